import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { promptHidden } from '../../src/cli/commands/password.js';

/** A stand-in for a terminal: records raw mode and what was written; typed text is fed by the test. */
class FakeTty extends EventEmitter {
  isTTY = true;
  raw: boolean[] = [];
  written = '';
  paused = false;
  setRawMode(mode: boolean): void {
    this.raw.push(mode);
  }
  setEncoding(): void {}
  resume(): void {
    this.paused = false;
  }
  pause(): void {
    this.paused = true;
  }
  write(text: string): void {
    this.written += text;
  }
  type(text: string): void {
    this.emit('data', text);
  }
}

describe('promptHidden', () => {
  it('reads a line without echoing it, in raw mode, and restores the terminal', async () => {
    const tty = new FakeTty();
    const answer = promptHidden('Password: ', tty, tty);
    tty.type('sec');
    tty.type('ret\r');
    expect(await answer).toBe('secret');
    expect(tty.written).toBe('Password: \n');
    expect(tty.raw).toEqual([true, false]);
    expect(tty.paused).toBe(true);
    expect(tty.listenerCount('data')).toBe(0);
  });

  it('handles backspace (DEL and ^H) and non-ASCII input', async () => {
    const tty = new FakeTty();
    const answer = promptHidden('> ', tty, tty);
    tty.type('pässx\u007fwörd!\b\n');
    expect(await answer).toBe('pässwörd');
  });

  it.each([
    ['Ctrl-C', '\u0003'],
    ['Ctrl-D on an empty line', '\u0004'],
  ])('cancels on %s (KEY_PASSWORD)', async (_what, key) => {
    const tty = new FakeTty();
    const answer = promptHidden('> ', tty, tty);
    tty.type(key);
    await expect(answer).rejects.toMatchObject({ code: 'KEY_PASSWORD' });
    expect(tty.raw).toEqual([true, false]);
  });

  it('ignores other control characters and whole terminal key sequences (arrows, Alt-x)', async () => {
    const tty = new FakeTty();
    const answer = promptHidden('> ', tty, tty);
    tty.type('a\u001b[Ab\u001b[1;5Cc\u001bxd\u0007e\r');
    expect(await answer).toBe('abcde');
  });
});
