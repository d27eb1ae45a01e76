/**
 * The conformance corpus: real public repositories' file trees in <repo>/../shared/data/realworld/layouts/
 * (read in place, never copied into this repository). For each, the command its README documents
 * (quoted in the layout's SOURCES.md) must resolve in its tree, as the wiring will check it.
 */
import { execFileSync } from 'child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import {
  EntryOrigin, EntryStatus, ProjectTreeSource, ShadowKind, auditIgnore, buildCheckSubjects, checkEntry,
  findShadowedModules, imageFileMap, readProjectTree, readPyproject,
} from '../../src/entry';
import { SHARED_DATA } from '../support/shared-data';

const LAYOUTS = join(SHARED_DATA, 'realworld', 'layouts');

interface Case {
  readonly repo: string;
  /** The `sources` a user would list: the code folders and flat modules the entry needs. */
  readonly sources: readonly string[];
  /** Documented commands, each with the module/file/program the build-time check must verify. */
  readonly commands: readonly { readonly command: string[]; readonly subjects: string[] }[];
  readonly requirements: readonly string[];
  readonly installProject?: boolean;
}

const CASES: readonly Case[] = [
  {
    // layouts/detr/SOURCES.md: "Entry: `python main.py --coco_path ...` (README)."
    repo: 'detr',
    sources: ['main.py', 'engine.py', 'hubconf.py', 'datasets', 'models', 'util', 'd2'],
    commands: [{ command: ['python', 'main.py', '--coco_path', '/data/coco'], subjects: ['file /app/main.py'] }],
    requirements: ['torch', 'torchvision', 'pycocotools', 'scipy'],
  },
  {
    // layouts/nanogpt/SOURCES.md: "Entries (README): `python data/shakespeare_char/prepare.py`,
    // `python train.py config/train_shakespeare_char.py`."
    repo: 'nanogpt',
    sources: ['train.py', 'model.py', 'configurator.py', 'sample.py', 'bench.py', 'config', 'data'],
    commands: [
      { command: ['python', 'data/shakespeare_char/prepare.py'], subjects: ['file /app/data/shakespeare_char/prepare.py'] },
      { command: ['python', 'train.py', 'config/train_shakespeare_char.py'], subjects: ['file /app/train.py'] },
    ],
    requirements: ['torch', 'numpy', 'transformers', 'datasets', 'tiktoken', 'wandb', 'tqdm'],
  },
  {
    // layouts/litgpt/SOURCES.md: "Entries: the console script `litgpt finetune_lora ...`;
    // `python -m litgpt.data.prepare_slimpajama`."
    repo: 'litgpt',
    sources: ['litgpt', 'config_hub'],
    commands: [
      { command: ['litgpt', 'finetune_lora', 'checkpoints/microsoft/phi-2', '--data', 'Alpaca'], subjects: ['module litgpt.__main__', 'program litgpt'] },
      { command: ['python', '-m', 'litgpt.data.prepare_slimpajama'], subjects: ['module litgpt.data.prepare_slimpajama (with __main__)'] },
    ],
    requirements: ['torch>=2.7', 'lightning>=2.6.1', 'jsonargparse[signatures]>=4.37', 'huggingface-hub>=0.30', 'safetensors', 'tokenizers', 'tqdm', 'datasets>=2.18,<4'],
    installProject: true,
  },
];

/** The copies `sources` makes: each path to /app/<path>. */
function copiesOf(sources: readonly string[]) {
  return sources.map((from) => ({ from, to: `/app/${from}` }));
}

describe.each(CASES)('$repo', ({ repo, sources, commands, requirements, installProject }) => {
  const treeDir = join(LAYOUTS, repo, 'tree');

  test('every source exists in the tree', () => {
    const tree = readProjectTree(treeDir, { paths: sources });
    expect(tree.source).toBe(ProjectTreeSource.FILESYSTEM);
    expect(tree.missing).toEqual([]);
    expect(tree.files.some((f) => f.endsWith('.py'))).toBe(true);
  });

  test.each(commands.map((c) => [c.command.join(' '), c] as const))('the documented entry resolves: %s', (_, { command, subjects }) => {
    const files = readProjectTree(treeDir).files;
    const imageFiles = imageFileMap(files, copiesOf(sources));
    const pyproject = installProject ? readPyproject(readFileSync(join(treeDir, 'pyproject.toml'), 'utf-8')) : undefined;
    const result = checkEntry(command, {
      imageFiles,
      workdir: '/app',
      pythonPath: ['/app', '/opt/mldocker'],
      requirements,
      providedModules: ['mldocker_runtime'],
      projectScripts: pyproject?.scripts,
      installedProjectFiles: installProject ? files : undefined,
    });
    expect({ status: result.status, problem: result.problem })
      .toEqual({ status: EntryStatus.FOUND, problem: undefined });
    expect(buildCheckSubjects(result.buildCheck!)).toEqual(subjects);
  });

  test('a command naming a module the tree lacks fails with a hint from the tree', () => {
    const imageFiles = imageFileMap(readProjectTree(treeDir).files, copiesOf(sources));
    const result = checkEntry(['python', '-m', 'mainn'], { imageFiles, workdir: '/app', requirements });
    expect(result.status).toBe(EntryStatus.MISSING);
    expect(result.problem).toContain('"mainn" is not importable in the image');
  });

  test('with the repository\'s own .gitignore, git sees every file of the tree (code folders named data/datasets stay tracked)', () => {
    const work = mkdtempSync(join(tmpdir(), `mld-entry-corpus-${repo}-`));
    try {
      cpSync(treeDir, work, { recursive: true });
      execFileSync('git', ['init', '-q'], { cwd: work });
      mkdirSync(join(work, '.git', 'info'), { recursive: true });
      writeFileSync(join(work, '.git', 'info', 'exclude'), readFileSync(join(LAYOUTS, repo, 'gitignore')));
      const viaGit = readProjectTree(work);
      expect(viaGit.source).toBe(ProjectTreeSource.GIT);
      expect(viaGit.files).toEqual(readProjectTree(treeDir).files);
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  });
});

describe('what the corpus shows about ignore files and module names', () => {
  const litgpt = readProjectTree(join(LAYOUTS, 'litgpt', 'tree')).files;
  const nanogpt = readProjectTree(join(LAYOUTS, 'nanogpt', 'tree')).files;

  test('a "**/data" re-exclusion drops litgpt\'s data package and nanoGPT\'s prepare scripts; excluding by extension drops none', () => {
    const naive = '*\n!litgpt\n!config_hub\n!data\n!train.py\n**/data\n**/*.pt\n';
    expect(auditIgnore(litgpt, ['litgpt', 'config_hub'], naive).droppedCode).toEqual(litgpt.filter((f) => f.startsWith('litgpt/data/')));
    expect(auditIgnore(nanogpt, ['data', 'train.py'], naive).droppedCode).toEqual([
      'data/openwebtext/prepare.py', 'data/openwebtext/readme.md', 'data/shakespeare/prepare.py', 'data/shakespeare/readme.md',
      'data/shakespeare_char/prepare.py', 'data/shakespeare_char/readme.md',
    ]);
    const byExtension = '*\n!litgpt\n!config_hub\n!data\n!train.py\n**/*.pt\n**/*.bin\n**/*.safetensors\n';
    expect(auditIgnore(litgpt, ['litgpt', 'config_hub'], byExtension).droppedCode).toEqual([]);
    expect(auditIgnore([...nanogpt, 'data/openwebtext/train.bin'], ['data', 'train.py'], byExtension))
      .toMatchObject({ droppedCode: [], includedArtefacts: [], excludedArtefacts: ['data/openwebtext/train.bin'] });
  });

  test('a dropped data package makes litgpt\'s documented module entry fail, naming the ignore file', () => {
    const imageFiles = imageFileMap(litgpt, copiesOf(['litgpt']), '*\n!litgpt\n**/data\n');
    const result = checkEntry(['python', '-m', 'litgpt.data.prepare_slimpajama'], { imageFiles, workdir: '/app' });
    expect(result.status).toBe(EntryStatus.MISSING);
    expect(result.problem).toBe('the main module "litgpt.data.prepare_slimpajama" is in the project (/app/litgpt/data/prepare_slimpajama.py) but the ignore file drops it from the build context');
  });

  test('detr\'s code package "datasets" would hide the Hugging Face datasets requirement if one were declared', () => {
    const detr = readProjectTree(join(LAYOUTS, 'detr', 'tree')).files;
    const imageFiles = imageFileMap(detr, copiesOf(['main.py', 'datasets', 'models', 'util']));
    expect(findShadowedModules(imageFiles, ['/app'], { requirements: ['datasets'] }).map((s) => [s.name, s.kind])).toEqual([['datasets', ShadowKind.REQUIREMENT]]);
    expect(checkEntry(['python', '-m', 'datasets.coco'], { imageFiles, workdir: '/app', requirements: ['datasets'] }).targets[0].origin).toBe(EntryOrigin.IMAGE);
  });
});
