export { MlDockerValidationError } from './errors';
export { RequirementTier, RequirementTiers } from './requirements';
export { TorchWheels } from './torch';
export { MlService, ServiceOptions, ServiceHealthCheck, APP_UID, HEARTBEAT_FILE } from './service';
export { PythonService, PythonServiceProps } from './python-service';
export { MlDockerProject, MlDockerProjectOptions } from './project';
export { SampleKind } from './samples';
export { BackingService, BackingServiceKind, PostgresOptions, RedisOptions, MlflowOptions } from './backing-service';
export { ComposeStack, ComposeStackProps } from './compose-stack';
