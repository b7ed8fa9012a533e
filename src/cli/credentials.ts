/**
 * Credentials for the PowerShell target: CLUSTERCHAOS_USERNAME and CLUSTERCHAOS_PASSWORD, or typed at a prompt
 * (`--credential prompt`, the password read without echo), or none: the session runs as the signed-in user
 * (Kerberos). They go to the target and nowhere else: never to the log, the trace or a report.
 */
import { UsageError } from './out-dir.js';

export interface Credential {
  username: string;
  password: string;
}

export const USERNAME_ENV = 'CLUSTERCHAOS_USERNAME';
export const PASSWORD_ENV = 'CLUSTERCHAOS_PASSWORD';

/** The credential the run uses; undefined: the signed-in user's own. Throws UsageError for half a credential. */
export async function readCredential(how: 'prompt' | undefined, env: NodeJS.ProcessEnv = process.env, input: NodeJS.ReadStream = process.stdin, output: NodeJS.WriteStream = process.stderr): Promise<Credential | undefined> {
  if (how === 'prompt') {
    const username = await ask('user name for the cluster (DOMAIN\\user): ', input, output, true);
    const password = await ask(`password for ${username}: `, input, output, false);
    if (username === '') throw new UsageError('--credential prompt: no user name given; nothing was done to any cluster');
    return { username, password };
  }
  const username = env[USERNAME_ENV];
  const password = env[PASSWORD_ENV];
  if ((username ?? '') === '' && (password ?? '') === '') return undefined;
  if ((username ?? '') === '' || (password ?? '') === '') {
    throw new UsageError(
      `${USERNAME_ENV} and ${PASSWORD_ENV} go together: set both (or neither, to run as the signed-in user, or use --credential prompt); nothing was done to any cluster`,
    );
  }
  return { username: username!, password: password! };
}

/**
 * Read one line from the terminal. With `echo` false the characters typed are not shown (raw mode; Backspace
 * edits, Ctrl-C gives up). From a pipe, the next line is read as is.
 */
function ask(question: string, input: NodeJS.ReadStream, output: NodeJS.WriteStream, echo: boolean): Promise<string> {
  output.write(question);
  return new Promise((resolve, reject) => {
    let text = '';
    const tty = input.isTTY === true && typeof input.setRawMode === 'function';
    const done = (err?: Error): void => {
      input.removeListener('data', onData);
      input.removeListener('end', onEnd);
      if (tty) input.setRawMode(false);
      input.pause();
      output.write('\n');
      if (err) reject(err);
      else resolve(text);
    };
    const onEnd = (): void => done();
    const onData = (chunk: Buffer | string): void => {
      const chars = [...chunk.toString('utf8')];
      for (const [i, ch] of chars.entries()) {
        if (ch === '\r' || ch === '\n') {
          // what came after the line is the next answer's (a pipe delivers both at once)
          let rest = chars.slice(i + 1).join('');
          if (ch === '\r' && rest.startsWith('\n')) rest = rest.slice(1);
          done();
          if (rest !== '') input.unshift(Buffer.from(rest, 'utf8'));
          return;
        }
        if (ch === '\u0003') return done(new UsageError('interrupted at the credential prompt; nothing was done to any cluster'));
        if (ch === '\u007f' || ch === '\b') {
          if (text.length) {
            text = [...text].slice(0, -1).join('');
            if (echo && tty) output.write('\b \b');
          }
          continue;
        }
        text += ch;
        if (echo && tty) output.write(ch);
      }
    };
    if (tty) input.setRawMode(true);
    input.on('data', onData);
    input.once('end', onEnd);
    input.resume();
  });
}
