import { parseBentoml, parseFastapi, parseFlask, parseGradio, parsePanel } from './command-apps';
import { ACCELERATE, DEEPSPEED, parseCelery, parseLauncher, parseStreamlit, TORCHRUN } from './command-launchers';
import { launcherOnly, ToolParser } from './command-model';
import { parseGunicorn, parseHypercorn, parseUvicorn } from './command-servers';

/**
 * Which parser reads the arguments of each launcher we know, as a console script
 * (`uvicorn ...`) and as the module `python -m` runs (`python -m uvicorn ...`).
 */

const TORCHRUN_PARSER: ToolParser = (c, a, l) => parseLauncher(c, a, l, TORCHRUN, ['-m', '--module']);
const ACCELERATE_LAUNCH: ToolParser = (c, a, l) => parseLauncher(c, a, l, ACCELERATE, ['-m', '--module']);
const DEEPSPEED_PARSER: ToolParser = (c, a, l) => parseLauncher(c, a, l, DEEPSPEED, ['--module']);

/** The tools that have the same name as a console script and as a module. */
const SAME_NAME: Readonly<Record<string, ToolParser>> = {
  uvicorn: parseUvicorn,
  gunicorn: parseGunicorn,
  hypercorn: parseHypercorn,
  celery: parseCelery,
  streamlit: parseStreamlit,
  gradio: parseGradio,
  flask: parseFlask,
  panel: parsePanel,
  fastapi: parseFastapi,
  bentoml: parseBentoml,
};

/** Console scripts we read into. */
export const TOOLS: Readonly<Record<string, ToolParser>> = {
  ...SAME_NAME,
  'torchrun': TORCHRUN_PARSER,
  'accelerate-launch': ACCELERATE_LAUNCH,
  'accelerate': (c, a, l) => (a[0] === 'launch' ? ACCELERATE_LAUNCH(c, a.slice(1), l) : launcherOnly(c, l)),
  'deepspeed': DEEPSPEED_PARSER,
};

/** Modules `python -m X` runs as the same tools. */
export const TOOL_MODULES: Readonly<Record<string, ToolParser>> = {
  ...SAME_NAME,
  'torch.distributed.run': TORCHRUN_PARSER,
  'torch.distributed.launch': TORCHRUN_PARSER,
  'accelerate.commands.launch': ACCELERATE_LAUNCH,
  'deepspeed.launcher.runner': DEEPSPEED_PARSER,
};
