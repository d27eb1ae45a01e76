import type { RootDependency } from './pyproject';
import { normalizePackageName } from '../core/names';
import { Problems, oneOf } from '../core/problems';

/**
 * A pyproject's references to its own extras (`all = ["app[a,b]"]` in the project `app`),
 * expanded the way pip and uv install them: the requirements of the extras named, recursively,
 * instead of a package of the project's name from the index (whatever a stranger published
 * under it). Project and extra names compare PEP 503/685-normalized (`My_App[Extra.One]` is
 * `my-app[extra-one]`); a cycle of extras (`a = ["app[b]"]`, `b = ["app[a]"]`) is read as
 * their union. A self-reference without extras adds nothing (the project itself is not a
 * dependency of its image's tiers). An extra the project does not declare is a problem
 * (pip would only warn and install without it).
 */

export interface SelfExpanded {
  readonly main: RootDependency[];
  readonly extras: Map<string, RootDependency[]>;
  readonly groups: Map<string, RootDependency[]>;
  /** Per extra, the extras it installs (itself first, then those it names, depth first). */
  readonly closure: Map<string, string[]>;
}

export function expandSelfExtras(
  problems: Problems, file: string, projectName: string | undefined,
  lists: {
    main: RootDependency[]; extras: Map<string, RootDependency[]>; groups: Map<string, RootDependency[]>;
  },
): SelfExpanded {
  const self = projectName === undefined ? undefined : normalizePackageName(projectName);
  const isSelf = (d: RootDependency) => self !== undefined && d.key === self && d.url === undefined;
  const known = (d: RootDependency) => d.extras.map(normalizePackageName).filter((e) => lists.extras.has(e));

  /** The extras `start` installs: each once, in the order first reached. */
  const reach = (start: string[]): string[] => {
    const out: string[] = [];
    const visit = (extra: string) => {
      if (out.includes(extra)) return;
      out.push(extra);
      for (const d of lists.extras.get(extra) ?? []) if (isSelf(d)) known(d).forEach(visit);
    };
    start.forEach(visit);
    return out;
  };

  const reported = new Set<RootDependency>();
  const expand = (list: RootDependency[]): RootDependency[] => {
    const out: RootDependency[] = [];
    const push = (d: RootDependency) => {
      if (!out.includes(d)) out.push(d);
    };
    for (const d of list) {
      if (!isSelf(d)) {
        push(d);
        continue;
      }
      const unknown = d.extras.filter((e) => !lists.extras.has(normalizePackageName(e)));
      if (unknown.length && !reported.has(d)) {
        reported.add(d);
        problems.add(`${d.at} asks for ${unknown.length > 1 ? 'extras' : 'an extra'} of the project itself that ${file} does not declare`, d.text,
          lists.extras.size ? `extras of [project.optional-dependencies]: ${oneOf([...lists.extras.keys()])}` : 'none: the project declares no extras');
      }
      for (const extra of reach(known(d))) {
        for (const dep of lists.extras.get(extra) ?? []) if (!isSelf(dep)) push(dep);
      }
    }
    return out;
  };

  const extras = new Map([...lists.extras].map(([name, list]) => [name, expand(list)]));
  const groups = new Map([...lists.groups].map(([name, list]) => [name, expand(list)]));
  const closure = new Map([...lists.extras.keys()].map((name) => [name, reach([name])]));
  return { main: expand(lists.main), extras, groups, closure };
}
