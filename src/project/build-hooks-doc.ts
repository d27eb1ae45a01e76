import { BuildHooks, BuildStepStage } from '../service/build-hooks';

/** One service's hooks, for the docs. */
export interface ServiceHooks {
  readonly id: string;
  readonly hooks: BuildHooks;
}

function cell(text: string): string {
  return text.replace(/\|/g, '\\|');
}

/**
 * The "Build hooks" section of docs/containers.md: every hook of every service with where it
 * runs, what it does and what a change to it rebuilds. Empty when no service has a hook.
 */
export function buildHooksSection(services: readonly ServiceHooks[]): string[] {
  const rows: string[] = [];
  for (const { id, hooks } of services) {
    if (hooks.packages.length > 0) {
      rows.push(`| \`${id}\` | \`buildPackages\` | builder | apt: ${hooks.packages.map((p) => `\`${p}\``).join(', ')} | every builder step after it: the virtualenv and each requirement tier |`);
    }
    if (hooks.env.length > 0) {
      rows.push(`| \`${id}\` | \`buildEnv\` | builder, dev | ${hooks.env.map(([k]) => `\`${k}\``).join(', ')} | every builder step after it: the virtualenv and each requirement tier |`);
    }
    for (const s of hooks.steps) {
      const mounts = [...s.cacheMounts.map((c) => `cache \`${c}\``), ...s.secrets.map((i) => `secret \`${i}\``)];
      const where = s.stage === BuildStepStage.BUILDER ? 'builder' : 'dev, prod (root)';
      const rebuilds = s.stage === BuildStepStage.BUILDER
        ? 'this step, `pip check`, the dev tier and the venv copy of `prod`; no requirement tier'
        : 'this step and the code copies after it; no dependency layer';
      rows.push(`| \`${id}\` | step \`${s.name}\` | ${where} | \`${cell(s.run)}\`${mounts.length ? ` (${mounts.join(', ')})` : ''} | ${rebuilds} |`);
    }
    for (const c of hooks.copies) {
      rows.push(`| \`${id}\` | copy \`${c.name}\` | dev, prod | \`${c.source}\` of \`${c.image}\` to \`${c.target}\` (build arg \`${c.arg}\`) | this copy and the code copies after it; no dependency layer |`);
    }
  }
  if (rows.length === 0) return [];
  return [
    '## Build hooks',
    '',
    'What the services add to the build (`buildPackages`, `buildEnv`, `buildSteps`, `copyFromImages`). Each',
    'hook opens with a `# build hook` comment in the Dockerfile and is its own layer; `docker:cache-report`',
    'lists it as a change of its own (`build-hook:...`) with the steps it re-runs.',
    '',
    '| service | hook | stage | what | a change rebuilds |',
    '| --- | --- | --- | --- | --- |',
    ...rows,
    '',
    '- Build packages and build environment exist only in `builder` (and `dev`, which starts from it):',
    '  `prod` starts from `base` and copies only `/opt/venv`, so compilers, headers and these variables',
    '  never reach it. Builder steps run after the requirement tiers; only what they write under `/opt/venv`',
    '  reaches `prod`.',
    '- A step\'s secrets are BuildKit secret mounts (`docker build --secret id=<id>,src=<file>`), present',
    '  at `/run/secrets/<id>` during that step only: never in a layer, an `ARG` or an `ENV`. The build',
    '  fails when one is not given. Cache mounts keep their directory between builds, outside the image.',
    '- Copies come from stages `copy-<name>` whose image is a build arg pinned to a full version tag',
    '  (override it for a mirror); the files are owned by root, read-only for the service user.',
  ];
}
