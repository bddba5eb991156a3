import { describe, expect, it } from 'vitest';
import { viewColumnOrigins } from '../views.ts';

// Shaped like pg_rewrite.ev_action for `select t.id as ident, t."odd name", upper(t.name) as up, (select 1 …) as sub from tt t`.
const tree =
  '({QUERY :commandType 1 :rtable ({RANGETBLENTRY :relid 16922}) ' +
  ':targetList (' +
  '{TARGETENTRY :expr {VAR :varno 1 :varattno 1} :resno 1 :resname ident :ressortgroupref 0 :resorigtbl 16922 :resorigcol 1 :resjunk false} ' +
  '{TARGETENTRY :expr {VAR :varno 1 :varattno 2} :resno 2 :resname odd\\ name\\} :ressortgroupref 0 :resorigtbl 16922 :resorigcol 2 :resjunk false} ' +
  '{TARGETENTRY :expr {FUNCEXPR :funcid 871 :args ({VAR :varno 1})} :resno 3 :resname up :ressortgroupref 0 :resorigtbl 0 :resorigcol 0 :resjunk false} ' +
  '{TARGETENTRY :expr {SUBLINK :subselect {QUERY :targetList ({TARGETENTRY :expr {CONST} :resno 1 :resname x :ressortgroupref 0 :resorigtbl 99 :resorigcol 1 :resjunk false})}} ' +
  ':resno 4 :resname sub :ressortgroupref 0 :resorigtbl 0 :resorigcol 0 :resjunk false}' +
  ') :override 0})';

describe('viewColumnOrigins', () => {
  it('maps only the outer query\'s plain columns to their table columns', () => {
    expect(viewColumnOrigins(tree)).toEqual([
      { column: 'ident', tableOid: '16922', attnum: 1 },
      { column: 'odd name}', tableOid: '16922', attnum: 2 },
    ]);
  });

  it('returns nothing for text it does not recognise', () => {
    expect(viewColumnOrigins('')).toEqual([]);
    expect(viewColumnOrigins('({QUERY :targetList <>})')).toEqual([]);
  });
});
