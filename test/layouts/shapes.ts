/**
 * Eight project shapes for the layout tests: the three real trees of the conformance corpus
 * (`<repo>/../shared/data/realworld/layouts/`, read in place) and five synthetic ones written
 * here, modeled on common public shapes (not copied): a cog-style model, a FastAPI CPU
 * service, flat modules beside several top-level folders, an LLM server with a baked model, and
 * configs next to code. Each says which service definition it needs.
 */
import { GpuInference, GpuTrainer, MlDockerProject, PythonService } from '../../src';

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
  /** Defines the service(s). */
  readonly define: (project: MlDockerProject) => void;
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

const TORCH = '2.5.1';

export const SHAPES: readonly Shape[] = [
  {
    name: 'detr (corpus)',
    corpus: 'detr',
    needed: 'flat modules (main.py, engine.py) plus code folders, one named datasets',
    sources: ['main.py', 'engine.py', 'hubconf.py', 'datasets', 'models', 'util', 'd2'],
    define: (p) => {
      new GpuTrainer(p, 'detr', {
        torchVersion: TORCH,
        command: ['python', 'main.py', '--coco_path', '/data/coco'],
        sources: ['main.py', 'engine.py', 'hubconf.py', 'datasets', 'models', 'util', 'd2'],
        requirements: { ml: ['scipy==1.14.1', 'pycocotools==2.0.8'] },
      });
    },
  },
  {
    name: 'nanoGPT (corpus)',
    corpus: 'nanogpt',
    needed: 'flat modules, a config folder, data-preparation code inside data/',
    sources: ['train.py', 'model.py', 'configurator.py', 'sample.py', 'bench.py', 'config', 'data'],
    define: (p) => {
      new GpuTrainer(p, 'nanogpt', {
        torchVersion: TORCH,
        command: ['python', 'train.py', 'config/train_shakespeare_char.py'],
        sources: ['train.py', 'model.py', 'configurator.py', 'sample.py', 'bench.py', 'config', 'data'],
        requirements: { ml: ['numpy==2.1.3', 'transformers==4.46.3', 'datasets==3.1.0', 'tiktoken==0.8.0'], core: ['wandb==0.18.7', 'tqdm==4.67.1'] },
      });
    },
  },
  {
    name: 'litgpt (corpus)',
    corpus: 'litgpt',
    needed: 'installProject (pyproject.toml, setuptools) and its console script; a code package named data',
    sources: ['litgpt', 'config_hub'],
    define: (p) => {
      new GpuTrainer(p, 'litgpt', {
        torchVersion: TORCH,
        command: ['litgpt', 'finetune_lora', 'checkpoints/microsoft/phi-2', '--data', 'Alpaca'],
        sources: ['litgpt', 'config_hub'],
        installProject: true,
        requirements: { ml: ['lightning==2.6.1', 'safetensors==0.4.5', 'tokenizers==0.20.3'], core: ['setuptools==75.6.0', 'jsonargparse==4.37.0', 'huggingface-hub==0.30.2'] },
      });
    },
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
    define: (p) => {
      new PythonService(p, 'predictor', { command: ['python', 'serve.py'], port: 5000, sources: ['predict.py', 'serve.py', 'schema'], requirements: { core: ['pillow==11.0.0'] } });
    },
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
    define: (p) => {
      new PythonService(p, 'web', {
        command: ['uvicorn', 'app.main:app', '--host', '0.0.0.0', '--port', '8000'],
        port: 8000,
        sources: ['app'],
        requirements: { core: ['fastapi==0.115.6', 'uvicorn==0.32.1', 'jinja2==3.1.4'] },
      });
    },
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
    define: (p) => {
      new GpuTrainer(p, 'yolo', { torchVersion: TORCH, command: ['python', 'train.py', '--data', 'data/coco128.yaml'], sources: ['train.py', 'export.py', 'utils', 'models', 'data'] });
    },
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
    define: (p) => {
      new GpuInference(p, 'llm', {
        torchVersion: TORCH,
        port: 8080,
        command: ['python', '-m', 'server'],
        sources: ['server'],
        modelDir: 'models/tiny-llm',
        bakeModel: true,
        requirements: { ml: ['transformers==4.46.3', 'safetensors==0.4.5'] },
      });
    },
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
    define: (p) => {
      new PythonService(p, 'ranker', { command: ['python', '-m', 'ranker.serve'], sources: ['src', 'conf'], workdir: '/app/src' });
    },
  },
];
