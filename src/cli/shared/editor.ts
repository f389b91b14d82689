/** Opens a file in the user's editor ($VISUAL, then $EDITOR), the way kubectl and kops do. */

import { spawn } from 'node:child_process';
import { HoistError } from '../../errors.js';
import type { IO } from '../../output/io.js';

export function editorCommand(io: IO): string {
  const editor = io.env.VISUAL || io.env.EDITOR;
  if (editor) return editor;
  if (io.interactive) return 'vi';
  throw new HoistError('INVALID_FLAG', 'no editor to open: VISUAL and EDITOR are not set', {
    hint: 'set EDITOR (e.g. EDITOR=nano), or change the spec with hoist get -o yaml and hoist replace -f',
  });
}

/** Runs the editor on `file` through the shell, so EDITOR may carry arguments ("code --wait"). */
export async function openEditor(io: IO, file: string): Promise<void> {
  const editor = editorCommand(io);
  const code = await new Promise<number | null>((resolve, reject) => {
    const child = spawn('/bin/sh', ['-c', `${editor} "$1"`, 'editor', file], { stdio: 'inherit', env: { ...io.env } });
    child.on('error', reject);
    child.on('exit', (c) => resolve(c));
  });
  if (code !== 0) {
    throw new HoistError('ABORTED', `the editor (${editor}) exited with code ${code}; nothing was changed`);
  }
}
