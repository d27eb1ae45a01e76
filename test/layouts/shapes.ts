/**
 * Eight project shapes for the layout tests: the three real trees of the conformance corpus
 * (read in place from the shared corpus by test/corpus/layouts.test.ts) and five synthetic ones written
 * here, modeled on common public shapes (not copied): a cog-style model, a FastAPI CPU
 * service, flat modules beside several top-level folders, an LLM server with a baked model, and
 * configs next to code. Each names the example `.projenrc.ts` (under `examples/`) that defines it.
 */
export interface Shape {
  readonly name: string;
  /** The corpus tree it reads (`layouts/<corpus>/tree`), or undefined for a synthetic one. */
  readonly corpus?: string;
  /** A synthetic tree: path -> text. */
  readonly files?: Readonly<Record<string, string>>;
  /** The repository's own .gitignore (synthetic shapes). */
  readonly gitignore?: string;
  /** What the definition needed, for the README table. */
  readonly needed: string;
  /** The copied paths. */
  readonly sources: readonly string[];
  /** The example that defines its service: `examples/<example>/.projenrc.ts`. */
  readonly example: string;
}

/** What a user has beside the code (never in git, never in an image): data, weights, venvs, secrets. */
export const BESIDE: Readonly<Record<string, string>> = {
  'data/raw/train-00000.parquet': 'rows',
  'data/cache/tokens.npy': 'arr',
  'checkpoints/last.ckpt': 'w',
  'weights/model.safetensors': 'w',
  '.venv/lib/python3.11/site-packages/torch/__init__.py': '',
  '.env': 'API_TOKEN=secret\n',
};

export const SHAPES: readonly Shape[] = [
  {
    name: 'detr (corpus)',
    corpus: 'detr',
    needed: 'flat modules (main.py, engine.py) plus code folders, one named datasets',
    sources: ['main.py', 'engine.py', 'hubconf.py', 'datasets', 'models', 'util', 'd2'],
    example: 'detr',
  },
  {
    name: 'nanoGPT (corpus)',
    corpus: 'nanogpt',
    needed: 'flat modules, a config folder, data-preparation code inside data/',
    sources: ['train.py', 'model.py', 'configurator.py', 'sample.py', 'bench.py', 'config', 'data'],
    example: 'nanogpt',
  },
  {
    name: 'litgpt (corpus)',
    corpus: 'litgpt',
    needed: 'installProject (pyproject.toml, setuptools) and its console script; a code package named data',
    sources: ['litgpt', 'config_hub'],
    example: 'litgpt',
  },
  {
    name: 'cog-style model (synthetic)',
    files: {
      'cog.yaml': 'build:\n  python_version: "3.11"\npredict: "predict.py:Predictor"\n',
      'predict.py': 'class Predictor:\n    def setup(self): ...\n',
      'serve.py': 'from predict import Predictor\n',
      'requirements.txt': 'pillow==11.0.0\n',
      'schema/input.json': '{}',
      'weights/.gitkeep': '',
    },
    gitignore: '/weights/*\n!/weights/.gitkeep\n.cog/\n',
    needed: 'flat modules at the root, a JSON schema folder; weights mounted, never copied',
    sources: ['predict.py', 'serve.py', 'schema'],
    example: 'cog-model',
  },
  {
    name: 'FastAPI CPU service (synthetic)',
    files: {
      'app/__init__.py': '',
      'app/main.py': 'app = None\n',
      'app/routers/__init__.py': '',
      'app/routers/predict.py': '',
      'app/templates/index.html.j2': '<html></html>',
      'app/static/style.css': 'body{}',
      'app/static/logo.png': 'png',
      'app/data/__init__.py': '',
      'app/data/schemas.py': '',
      'app/settings.toml': '[app]\n',
      'tests/test_main.py': '',
    },
    gitignore: '__pycache__/\n.venv/\n.env\n',
    needed: 'a package with templates, static files and a code package named data',
    sources: ['app'],
    example: 'fastapi-cpu',
  },
  {
    name: 'flat modules + several top-level folders (synthetic)',
    files: {
      'train.py': '',
      'export.py': '',
      'utils/__init__.py': '',
      'utils/loggers/__init__.py': '',
      'utils/loggers/wandb/__init__.py': '',
      'utils/loggers/wandb/wandb_utils.py': '',
      'models/__init__.py': '',
      'models/yolo.py': '',
      'models/hub/yolov5s.yaml': 'nc: 80\n',
      'data/coco128.yaml': 'path: ../datasets/coco128\n',
      'data/scripts/get_coco.sh': '#!/bin/sh\n',
      'data/images/bus.jpg': 'jpg',
    },
    gitignore: '*.pt\n/runs/\n/datasets/\nwandb/\n!utils/loggers/wandb/\n',
    needed: 'flat modules, utils/ with a wandb package, models/ and data/ holding configs',
    sources: ['train.py', 'export.py', 'utils', 'models', 'data'],
    example: 'flat-modules',
  },
  {
    name: 'LLM server with a baked model (synthetic)',
    files: {
      'server/__init__.py': '',
      'server/__main__.py': '',
      'server/engine.py': '',
      'server/prompts/chat.j2': '',
      'models/tiny-llm/config.json': '{}',
      'models/tiny-llm/tokenizer.json': '{}',
      'models/tiny-llm/tokenizer_config.json': '{}',
      'models/tiny-llm/generation_config.json': '{}',
      'models/tiny-llm/model.safetensors': 'w',
    },
    gitignore: '*.safetensors\n',
    needed: 'a package run with python -m, a baked model folder (config, tokenizer, weights)',
    sources: ['server'],
    example: 'llm-server',
  },
  {
    name: 'configs next to code (synthetic)',
    files: {
      'src/ranker/__init__.py': '',
      'src/ranker/serve.py': '',
      'src/ranker/config/default.yaml': 'k: 10\n',
      'src/ranker/config/logging.ini': '[loggers]\n',
      'conf/features.toml': '[features]\n',
      'conf/model.cfg': '[model]\n',
      'conf/labels.txt': 'a\nb\n',
    },
    gitignore: '.venv/\n',
    needed: 'a src layout run from workdir /app/src, a conf/ folder beside it',
    sources: ['src', 'conf'],
    example: 'configs-next-to-code',
  },
];
