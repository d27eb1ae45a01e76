export { MlDockerValidationError } from './core/errors';
export { RequirementTier, RequirementTiers } from './core/requirements';
export { TorchWheels } from './service/torch';
export {
  CogYamlOptions, Dependencies, LockFileKind, PyprojectDependenciesOptions, RequirementsFilesOptions,
  SetupPyOptions,
} from './deps/dependencies';
export { MlService, APP_UID, HEARTBEAT_FILE } from './service/service';
export { IMlService, ServiceOptions } from './service/service-options';
export { ServiceSecret } from './service/service-secrets';
export { ServiceHealthCheck } from './image/image-model';
export { PythonService, PythonServiceProps } from './service/python-service';
export {
  HuggingFaceWeightsOptions, ModelDelivery, ModelWeights, ModelWeightsOptions, UrlWeightsOptions,
} from './service/model-weights';
export { Platform } from './core/platform';
export { BuildHookOptions, BuildStep, CopyFromImage } from './service/build-hooks';
export { BuildStepStage } from './image/build-hook-steps';
export { TorchPackage } from './service/torch-packages';
export { GpuBase, GpuPlatform } from './gpu/cuda';
export { GpuService } from './gpu/gpu-service';
export { GpuServiceOptions } from './gpu/gpu-service-options';
export { GpuTrainer, GpuTrainerProps } from './gpu/gpu-trainer';
export { DistributedRuntime, NcclDebug, NcclOptions, TrainerLauncher } from './core/distributed-spec';
export { GpuInference, GpuInferenceProps } from './gpu/gpu-inference';
export { MlDockerProject } from './project/project';
export { MlDockerProjectOptions, ProjenrcRunner } from './project/project-options';
export { SampleKind } from './service/sample-kind';
export { BackingService, BackingServiceKind, PostgresOptions, RedisOptions, MlflowOptions } from './stack/backing-service';
export { ComposeStack, ComposeStackProps } from './stack/compose-stack';
export { KubernetesManifests } from './stack/kubernetes';
export {
  KubernetesManifestsProps, KubernetesServiceOptions, KubernetesBackingMode, KubernetesEgress,
} from './stack/kubernetes-props';
export { CiWorkflow, CiWorkflowProps } from './ci/ci-workflow';
export { CiCache, HadolintThreshold, ScanSeverity } from './ci/ci-options';
export { CacheReport } from './cache-report/cache-report';
export {
  CacheReportOptions, CacheChange, CacheChangeKind, CacheStep, CachePromiseResult, DockerfileCacheInput,
  LayerRole, ServiceCacheReport, TargetCacheReport, TargetImpact,
} from './cache-report/report-types';
