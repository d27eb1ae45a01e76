import { NO_BUILD_HOOKS } from '../../src/image/build-hook-steps';
import { ImageInput } from '../../src/image/image-model';

/**
 * A plain CPU service's image input (no torch, no hooks, one code folder): the base the pure image-model
 * tests vary.
 */
export const CPU_IMAGE_INPUT: ImageInput = {
  serviceId: 'api',
  description: 'CPU Python service',
  imageName: 'vision-api',
  marker: 'generated',
  python: { version: '3.11.16', minor: '3.11', image: 'python:3.11.16-slim-bookworm' },
  aptPackages: ['tini'],
  tierLines: { ml: ['numpy==2.1.3'], core: ['fastapi==0.115.5'], dev: ['pytest==8.3.4'] },
  constraints: false,
  hooks: NO_BUILD_HOOKS,
  copies: [{ from: 'services/api', to: '/app/api' }],
  workdir: '/app',
  moduleName: 'api',
  command: ['python', '-m', 'api.main'],
};
