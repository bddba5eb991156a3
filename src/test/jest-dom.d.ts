// Types for the jest-dom matchers that tests/support/ui-setup.ts installs.
import '@testing-library/jest-dom/vitest';
