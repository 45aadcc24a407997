import { expect, test } from '@jest/globals';
import { hello } from './index.ts';

test('hello', () => {
  expect(hello()).toBe('hi');
});
