/** Jest's default order, except that the least-privilege check runs after every test that used the sandbox. */
import DefaultSequencer from '@jest/test-sequencer';

const LAST = /least-privilege\.test\.ts$/;

export default class LeastPrivilegeLast extends (DefaultSequencer.default ?? DefaultSequencer) {
  async sort(tests) {
    const sorted = await super.sort(tests);
    return [...sorted.filter((t) => !LAST.test(t.path)), ...sorted.filter((t) => LAST.test(t.path))];
  }
}
