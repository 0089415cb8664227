// The CRI messages tracewall sends and reads, as @grpc/proto-loader hands them over (field names as in the .proto,
// 64-bit integers as numbers, enums as their names). Requests may leave fields out; responses have every field.

export type NamespaceMode = 'POD' | 'CONTAINER' | 'NODE' | 'TARGET';
export type ContainerState = 'CONTAINER_CREATED' | 'CONTAINER_RUNNING' | 'CONTAINER_EXITED' | 'CONTAINER_UNKNOWN';
export type PodSandboxState = 'SANDBOX_READY' | 'SANDBOX_NOTREADY';

export interface SecurityProfile {
  profile_type: 'RuntimeDefault' | 'Unconfined' | 'Localhost';
  localhost_ref?: string;
}

export interface NamespaceOption {
  network?: NamespaceMode;
  pid?: NamespaceMode;
  ipc?: NamespaceMode;
  target_id?: string;
}

export interface PodSandboxMetadata {
  name: string;
  uid: string;
  namespace: string;
  attempt: number;
}

export interface PodSandboxConfig {
  metadata: PodSandboxMetadata;
  hostname?: string;
  log_directory?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  linux?: {
    cgroup_parent?: string;
    security_context?: {
      namespace_options?: NamespaceOption;
      privileged?: boolean;
      seccomp?: SecurityProfile;
    };
  };
}

export interface ContainerConfig {
  metadata: { name: string; attempt?: number };
  image: { image: string };
  command?: string[];
  args?: string[];
  working_dir?: string;
  envs?: Array<{ key: string; value: Buffer }>;
  mounts?: Array<{ container_path: string; host_path: string; readonly?: boolean }>;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  log_path?: string;
  linux?: {
    security_context?: {
      capabilities?: { add_capabilities?: string[]; drop_capabilities?: string[] };
      privileged?: boolean;
      namespace_options?: NamespaceOption;
      run_as_user?: { value: number };
      run_as_group?: { value: number };
      readonly_rootfs?: boolean;
      no_new_privs?: boolean;
      seccomp?: SecurityProfile;
      apparmor?: SecurityProfile;
    };
  };
}

export interface PodSandbox {
  id: string;
  metadata: PodSandboxMetadata | null;
  state: PodSandboxState;
  created_at: number;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  runtime_handler: string;
}

export interface ImageSpec {
  image: string;
  annotations: Record<string, string>;
  user_specified_image: string;
  runtime_handler: string;
}

export interface Container {
  id: string;
  pod_sandbox_id: string;
  metadata: { name: string; attempt: number } | null;
  image: ImageSpec | null;
  image_ref: string;
  state: ContainerState;
  created_at: number;
  labels: Record<string, string>;
  annotations: Record<string, string>;
}

export interface ContainerStatus {
  id: string;
  metadata: { name: string; attempt: number } | null;
  state: ContainerState;
  created_at: number;
  started_at: number;
  finished_at: number;
  exit_code: number;
  image: ImageSpec | null;
  image_ref: string;
  reason: string;
  message: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
}

type Empty = Record<string, never>;

/** Each call: [request, response]. */
export interface CriMethods {
  Version: [
    { version?: string },
    { version: string; runtime_name: string; runtime_version: string; runtime_api_version: string },
  ];
  RunPodSandbox: [{ config: PodSandboxConfig; runtime_handler?: string }, { pod_sandbox_id: string }];
  StopPodSandbox: [{ pod_sandbox_id: string }, Empty];
  RemovePodSandbox: [{ pod_sandbox_id: string }, Empty];
  ListPodSandbox: [
    { filter?: { id?: string; state?: { state: PodSandboxState }; label_selector?: Record<string, string> } },
    { items: PodSandbox[] },
  ];
  CreateContainer: [
    { pod_sandbox_id: string; config: ContainerConfig; sandbox_config: PodSandboxConfig },
    { container_id: string },
  ];
  StartContainer: [{ container_id: string }, Empty];
  StopContainer: [{ container_id: string; timeout?: number }, Empty];
  RemoveContainer: [{ container_id: string }, Empty];
  ListContainers: [
    {
      filter?: {
        id?: string;
        state?: { state: ContainerState };
        pod_sandbox_id?: string;
        label_selector?: Record<string, string>;
      };
    },
    { containers: Container[] },
  ];
  ContainerStatus: [
    { container_id: string; verbose?: boolean },
    { status: ContainerStatus | null; info: Record<string, string> },
  ];
}
