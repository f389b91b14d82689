/**
 * `hoist completion bash|zsh|fish`: a shell completion script generated from the program's own
 * commands and options (commander has none built in), so it cannot drift from the CLI. The
 * script holds the command tree as data: the words typed so far that name commands select a
 * node of the tree, whose subcommands and flags are offered.
 */

import type { Command } from 'commander';
import { invalidFlag } from '../errors.js';
import type { Runner } from './program.js';

export const SHELLS = ['bash', 'zsh', 'fish'] as const;
export type Shell = (typeof SHELLS)[number];

/** One command of the tree: its path (`/get/keypairs`), subcommand names and flags. */
export interface CompletionNode {
  readonly path: string;
  readonly commands: readonly string[];
  readonly flags: readonly string[];
}

/** Every command's node, the root's first (path ''). Aliases are offered as commands too. */
export function completionTree(program: Command): CompletionNode[] {
  const nodes: CompletionNode[] = [];
  const walk = (c: Command, path: string, inherited: readonly string[]): void => {
    const own = c.options.flatMap((o) => [o.short, o.long].filter((f): f is string => f !== undefined));
    // The root's options (--state, --name, -v) are accepted after any command.
    const flags = [...new Set([...own, ...inherited])].sort();
    const subs = c.commands.filter((s) => s.name() !== 'help');
    nodes.push({ path, commands: subs.flatMap((s) => [s.name(), ...s.aliases()]).sort(), flags });
    for (const s of subs) for (const name of [s.name(), ...s.aliases()]) walk(s, `${path}/${name}`, path === '' ? own : inherited);
  };
  walk(program, '', []);
  return nodes;
}

const q = (s: string) => `'${s.replaceAll("'", "'\\''")}'`;

function bash(nodes: readonly CompletionNode[]): string {
  const paths = nodes.filter((n) => n.path !== '').map((n) => `"${n.path}"`).join('|');
  const cases = nodes.map((n) => `    ${n.path === '' ? '""' : `"${n.path}"`}) words=${q([...n.commands, ...n.flags].join(' '))} ;;`).join('\n');
  return `# hoist completion for bash: source <(hoist completion bash)
_hoist_completions() {
  local cur="\${COMP_WORDS[COMP_CWORD]}" path="" w i words=""
  for ((i = 1; i < COMP_CWORD; i++)); do
    w="\${COMP_WORDS[i]}"
    case "$path/$w" in
      ${paths}) path="$path/$w" ;;
    esac
  done
  case "$path" in
${cases}
  esac
  COMPREPLY=($(compgen -W "$words" -- "$cur"))
}
complete -F _hoist_completions hoist
`;
}

function zsh(nodes: readonly CompletionNode[]): string {
  // zsh runs bash completion functions through bashcompinit.
  return `#compdef hoist
# hoist completion for zsh: source <(hoist completion zsh)
autoload -U +X bashcompinit && bashcompinit
${bash(nodes)}`;
}

function fish(nodes: readonly CompletionNode[]): string {
  const lines = nodes.flatMap((n) => {
    const when = `-n ${q(`__hoist_at ${q(n.path)}`)}`;
    return [
      ...(n.commands.length > 0 ? [`complete -c hoist -f ${when} -a ${q(n.commands.join(' '))}`] : []),
      ...n.flags.map((f) => (f.startsWith('--') ? `complete -c hoist ${when} -l ${f.slice(2)}` : `complete -c hoist ${when} -s ${f.slice(1)}`)),
    ];
  });
  return `# hoist completion for fish: hoist completion fish | source
set -g __hoist_paths ${nodes.filter((n) => n.path !== '').map((n) => q(n.path)).join(' ')}
function __hoist_at
    set -l path ''
    for w in (commandline -opc)[2..-1]
        if contains -- "$path/$w" $__hoist_paths
            set path "$path/$w"
        end
    end
    test "$path" = "$argv[1]"
end
${lines.join('\n')}
`;
}

export function completionScript(shell: Shell, program: Command): string {
  const nodes = completionTree(program);
  return shell === 'bash' ? bash(nodes) : shell === 'zsh' ? zsh(nodes) : fish(nodes);
}

export function registerCompletion(program: Command, run: Runner): void {
  program
    .command('completion')
    .argument('<shell>', SHELLS.join(', '))
    .description('print a shell completion script: source <(hoist completion bash)')
    .action(async (shell: string, _opts: unknown, cmd: Command) =>
      run(cmd, async (ctx) => {
        if (!(SHELLS as readonly string[]).includes(shell)) throw invalidFlag('shell', shell, 'is not a shell hoist completes', `use one of: ${SHELLS.join(', ')}`);
        // The whole command tree: every command's module, not only this one's.
        const { buildProgram, commandsFor } = await import('./program.js');
        const full = buildProgram(ctx.io, run, await commandsFor([]));
        ctx.io.out(completionScript(shell as Shell, full));
      }),
    );
}
