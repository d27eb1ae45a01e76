export { MlDockerValidationError } from './errors';
export { RequirementTier, RequirementTiers } from './requirements';
export { TorchWheels } from './torch';
export { MlService, ServiceOptions, ServiceHealthCheck, APP_UID, HEARTBEAT_FILE } from './service';
export { PythonService, PythonServiceProps } from './python-service';
export { GpuBase, GpuPlatform } from './cuda';
export { GpuService, GpuServiceOptions } from './gpu-service';
export { GpuTrainer, GpuTrainerProps } from './gpu-trainer';
export { GpuInference, GpuInferenceProps } from './gpu-inference';
export { MlDockerProject, MlDockerProjectOptions, ProjenrcRunner } from './project';
export { SampleKind } from './samples';
export { BackingService, BackingServiceKind, PostgresOptions, RedisOptions, MlflowOptions } from './backing-service';
export { ComposeStack, ComposeStackProps } from './compose-stack';
export { KubernetesManifests, KubernetesManifestsProps, KubernetesServiceOptions, KubernetesBackingMode } from './kubernetes';
export { CiWorkflow, CiWorkflowProps, CiCache, HadolintThreshold, ScanSeverity } from './ci-workflow';
export {
  CacheReport, CacheReportOptions, CacheChange, CacheChangeKind, CacheStep, CachePromiseResult, DockerfileCacheInput, LayerRole,
  ServiceCacheReport, TargetCacheReport, TargetImpact,
} from './cache-report';
export { Dependencies, LockFileKind, PyprojectDependenciesOptions, RequirementsFilesOptions } from './deps/dependencies';
