#!/usr/bin/env node
import { resolve } from 'path';
import { CacheReport } from '../cache-report/cache-report';

const USAGE = `usage: mldocker-cache-report [--json] [--check] [--service ID]... [--target NAME]... [DIR]

Which build steps each kind of change invalidates (re-runs) and which BuildKit keeps
(CACHED), per service and target, computed from docker/<id>/Dockerfile and its ignore file.

  DIR            the project root, the build context (default: the current directory)
  --json         print the report as JSON instead of tables
  --check        exit 1 when a promise of the layout is broken
  --service ID   only this service (repeatable)
  --target NAME  only this target (repeatable; default dev, test, prod)
`;

/** Runs the CLI; returns the exit code. Output goes through `write`. */
export function main(
  argv: string[],
  write: (text: string) => void = (t) => process.stdout.write(t),
  writeError: (text: string) => void = (t) => process.stderr.write(t),
): number {
  let json = false;
  let check = false;
  const services: string[] = [];
  const targets: string[] = [];
  const dirs: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = (): string => {
      const v = arg.includes('=') ? arg.slice(arg.indexOf('=') + 1) : argv[++i];
      if (v === undefined || v === '') throw new UsageError(`${arg.split('=')[0]} needs a value`);
      return v;
    };
    try {
      if (arg === '--json') {json = true;} else if (arg === '--check') {check = true;} else if (arg === '--help' || arg === '-h') {
        write(USAGE);
        return 0;
      } else if (arg === '--service' || arg.startsWith('--service=')) {services.push(value());} else if (arg === '--target' || arg.startsWith('--target=')) {targets.push(value());} else if (arg.startsWith('-')) {throw new UsageError(`unknown option ${arg}`);} else {dirs.push(arg);}
    } catch (e) {
      if (!(e instanceof UsageError)) throw e;
      writeError(`mldocker-cache-report: ${e.message}\n${USAGE}`);
      return 2;
    }
  }
  if (dirs.length > 1) {
    writeError(`mldocker-cache-report: one project directory, got ${dirs.join(' ')}\n${USAGE}`);
    return 2;
  }
  let report: CacheReport;
  try {
    report = CacheReport.fromProject(resolve(dirs[0] ?? '.'), {
      services: services.length > 0 ? services : undefined,
      targets: targets.length > 0 ? targets : undefined,
    });
  } catch (e) {
    writeError(`mldocker-cache-report: ${(e as Error).message}\n`);
    return 1;
  }
  if (report.services.length === 0) {
    writeError(`mldocker-cache-report: no docker/<id>/Dockerfile under ${resolve(dirs[0] ?? '.')}: run \`npx projen\` first\n`);
    return 1;
  }
  write(json ? `${JSON.stringify(report.toJson(), undefined, 2)}\n` : report.renderTable());
  const broken = report.checkPromises().filter((p) => !p.holds);
  if (check && broken.length > 0) {
    writeError(`mldocker-cache-report: ${broken.length} broken promise(s): ${broken.map((b) => `${b.service}: ${b.description}`).join('; ')}\n`);
    return 1;
  }
  return 0;
}

class UsageError extends Error {}

if (require.main === module) {
  process.exitCode = main(process.argv.slice(2));
}
