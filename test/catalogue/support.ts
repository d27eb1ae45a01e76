/**
 * Shared shapes and builders of the bad-input catalogue (test/catalogue.test.ts). Rows live in
 * test/catalogue/*.rows.ts, one file per area; each exports `rows: Row[]`.
 */
import {
  ComposeStack, GpuInference, GpuTrainer, MlDockerProject, MlDockerProjectOptions, PythonService,
} from '../../src';

export type Build = (p: MlDockerProject) => void;
export interface Row {
  readonly name: string;
  readonly project?: Partial<MlDockerProjectOptions> | Record<string, unknown>;
  readonly build: Build;
  readonly path: string;
  readonly got: string;
  readonly expected: string;
  /**
   * Files the project holds when the row runs (path -> content, e.g. a pyproject.toml and its
   * lock): written before, part of the tree that must stay byte-identical, removed after.
   */
  readonly files?: Record<string, string | Buffer>;
}

/**
 * A definition of a class the catalogue refuses elsewhere that must synthesize, in a fresh
 * project with these files: `writes` lists lines each generated file must hold, `absent`
 * text it must not.
 */
export interface AcceptRow {
  readonly name: string;
  readonly project?: Partial<MlDockerProjectOptions> | Record<string, unknown>;
  readonly build: Build;
  readonly files?: Record<string, string | Buffer>;
  readonly writes: Record<string, string[]>;
  readonly absent?: Record<string, string[]>;
}

/** The command of the sample code a service gets (`services/<module>/main.py`), so the entry check passes. */
export const cmdFor = (id: string) => ['python', '-m', `${String(id).replace(/-/g, '_')}.main`];
export const CMD = cmdFor('api');
export const any = (v: unknown) => v as any;
export const svc = (props: Record<string, unknown>, id = 'api'): Build => (p) => {
  new PythonService(p, id, any({ command: cmdFor(id), ...props }));
};
export const trainer = (props: Record<string, unknown>): Build => (p) => {
  new GpuTrainer(p, 'trainer', any({ torchVersion: '2.5.1', command: ['python', '-m', 'trainer.train'], ...props }));
};
export const inference = (props: Record<string, unknown>): Build => (p) => {
  new GpuInference(p, 'inference', any({ torchVersion: '2.5.1', port: 8080, command: ['python', '-m', 'inference.serve'], ...props }));
};
export const stack = (
  props: Record<string, unknown>, services: Build = svc({ port: 8000 }),
): Build => (p) => {
  services(p);
  new ComposeStack(p, 'stack', any(props));
};

export function cycle(p: MlDockerProject): void {
  const a = new PythonService(p, 'a', { command: cmdFor('a') });
  const b = new PythonService(p, 'b', { command: cmdFor('b'), dependsOn: [a] });
  a.addDependsOn(b);
  new ComposeStack(p, 'stack');
}
