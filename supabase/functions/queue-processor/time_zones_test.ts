import assert from '../../../tests/support/denoAssert.ts';
import { isKnownTimeZone } from '../_shared/businessRules.ts';
import { TIME_ZONES } from '../_shared/timeZones.ts';

Deno.test('every time zone the database accepts is one this runtime (Deno) can use', () => {
  const unknown = TIME_ZONES.filter((zone) => !isKnownTimeZone(zone));
  assert.deepEqual(unknown, []);
  assert.equal(isKnownTimeZone('posix/Asia/Jerusalem'), false);
});
