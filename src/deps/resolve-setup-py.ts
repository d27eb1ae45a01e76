import { SetupPyOptions } from './dependencies';
import { FileRequirement, RequirementFileReader } from './requirements-file';
import { placeFileRequirements } from './resolve-requirement-files';
import { ResolveRun } from './resolve-run';
import { TierName } from './resolved';
import { readSetupPyLists, SetupPyRequirement } from './setup-py';
import { normalizePackageName } from '../core/names';
import { RequirementTier } from '../core/requirements';

/**
 * A setup.py resolved into tiers: the strings of `install_requires` and of the `extras_require`
 * lists asked for, read as literals (src/deps/setup-py.ts: the file is never run) and then as the
 * lines of a requirement file, which is what pip makes of them.
 */
export function fromSetupPy(run: ResolveRun, options: SetupPyOptions): void {
  const problems = run.problems;
  const path = options.path ?? 'setup.py';
  const text = run.files.read(`${run.field}.path`, path, 'toml');
  if (text === undefined) return;
  const lists = readSetupPyLists(text, path);
  for (const why of lists.unread) {
    problems.add(`${run.field}: ${why}`, path,
      'install_requires and extras_require as lists of strings (or names of module-level assignments of '
      + 'them), or the requirements in files for Dependencies.fromRequirementsFiles');
  }
  if (!lists.installRequires && lists.unread.length === 0) {
    problems.add(`${run.field}: ${path} has no install_requires in a setup(...) call`, path,
      'a setup.py whose setup(...) call gives install_requires, or Dependencies.fromRequirementsFiles');
  }
  const extras = lists.extrasRequire ?? {};
  const chosen: SetupPyRequirement[] = [];
  (options.extras ?? []).forEach((extra, i) => {
    const list = extras[extra];
    if (list) {
      chosen.push(...list);
    } else {
      problems.add(`${run.field}.extras[${i}] is not an extra of ${path}`, extra,
        `one of its extras_require keys: ${Object.keys(extras).map((k) => `"${k}"`).join(', ') || 'none'}`);
    }
  });
  if (problems.count > 0) return;
  run.allowDirect = options.allowDirectReferences === true;
  const reader = new RequirementFileReader(run.files, problems, run.allowDirect, run.target.pythonVersion);
  const content = reader.readLines(path, [...lists.installRequires!, ...chosen]
    .map((r) => ({ line: r.line, text: r.text })));
  const lines: FileRequirement[] = content.requirements;
  const projectTier = (options.projectTier ?? RequirementTier.CORE) as TierName;
  const ml = (options.mlPackages ?? []).map(normalizePackageName);
  (options.mlPackages ?? []).forEach((name, i) => {
    if (!lines.some((r) => r.req.key === normalizePackageName(name))) {
      const listed = [...new Set(lines.map((r) => r.req.name))].join(', ') || 'none';
      problems.add(`${run.field}.mlPackages[${i}] names a package the installed lists of ${path} do not name`,
        name, `one of: ${listed}`);
    }
  });
  if (problems.count > 0) return;
  const byTier: Record<TierName, FileRequirement[]> = { ml: [], core: [], dev: [] };
  for (const r of lines) byTier[ml.includes(r.req.key) ? 'ml' : projectTier].push(r);
  placeFileRequirements(run, byTier, content.constraints, options.strictPins === true);
}
