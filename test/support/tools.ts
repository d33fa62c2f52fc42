/**
 * Tests that need a tool this project does not install through npm (Debian's
 * promtool, prometheus and docker-compose; helm built from the Go module
 * proxy; openssl). WHARF_TEST_TOOLS chooses: unset or `auto` runs them when
 * the tool is there and skips them otherwise, saying why in the run's
 * output; `required` (CI) fails instead of skipping; `off` skips them.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

/** Whether tests needing a tool run, and with which version, or why not. */
export type ToolChoice =
  | { readonly run: true; readonly command: string; readonly version: string }
  | { readonly run: false; readonly reason: string };

/**
 * WHARF_TEST_TOOLS, checked.
 *
 * @throws when it holds something else than auto, required or off.
 */
export function toolMode(env: NodeJS.ProcessEnv = process.env): 'auto' | 'required' | 'off' {
  const wanted = env.WHARF_TEST_TOOLS ?? 'auto';
  if (wanted === 'auto' || wanted === 'required' || wanted === 'off') return wanted;
  throw new Error(`WHARF_TEST_TOOLS must be auto, required or off, not "${wanted}"`);
}

/**
 * The tests needing `tool` cannot run for `reason`: says so on stdout.
 *
 * @throws when WHARF_TEST_TOOLS is `required`.
 */
export function toolMissing(
  tool: string,
  reason: string,
  env: NodeJS.ProcessEnv = process.env,
): { readonly run: false; readonly reason: string } {
  if (toolMode(env) === 'required') throw new Error(`WHARF_TEST_TOOLS=required, but ${reason}`);
  process.stdout.write(`\n[wharf-test] tests needing ${tool} skipped: ${reason}\n\n`);
  return { run: false, reason };
}

/** Whether `command` runs here (`command ...versionArgs` exits 0), with its first line as version. */
export async function commandTool(
  command: string,
  versionArgs: readonly string[],
  install: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<ToolChoice> {
  if (toolMode(env) === 'off') return toolMissing(command, 'WHARF_TEST_TOOLS=off', env);
  try {
    const { stdout, stderr } = await execFileAsync(command, [...versionArgs], { timeout: 30_000 });
    const version = `${stdout}${stderr}`.trim().split('\n')[0] ?? '';
    return { run: true, command, version };
  } catch (error) {
    const failure = error as NodeJS.ErrnoException & { stderr?: string };
    const reason =
      failure.code === 'ENOENT'
        ? `${command} is not on PATH (${install})`
        : `${command} ${versionArgs.join(' ')} failed: ${(failure.stderr ?? failure.message).trim()}`;
    return toolMissing(command, reason, env);
  }
}
