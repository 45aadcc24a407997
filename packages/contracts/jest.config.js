import { jestConfig } from '@authplatform/test-kit/jest.preset.js';

export default jestConfig(import.meta.dirname);
