// The Pipelines service's requests as the workflow's plain inputs, and back.
import { visibilityStatusName } from '../temporalVisibility.js';
import { ValidationError } from '../../eventstore/index.js';
import { parseJsonField } from './codec.js';
import {
  Approval,
  PipelineStatus,
  type StartPipelineRequest,
} from '../../gen/hindsight/v1/pipelines.js';
import type { PipelineInput } from '../../workflows/pipelineInput.js';

const jsonObject = (field: string, bytes: Uint8Array): Record<string, unknown> | undefined => {
  const value = parseJsonField(field, bytes);
  if (value === undefined) return undefined;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ValidationError(field, 'must be a JSON object');
  }
  return value as Record<string, unknown>;
};

export const toPipelineInput = (request: StartPipelineRequest): PipelineInput => {
  if (request.approval === Approval.UNRECOGNIZED) {
    throw new ValidationError('approval', 'is not a known value');
  }
  if (request.approvalTimeoutMs < 0) {
    throw new ValidationError('approval_timeout_ms', 'must be ≥ 0');
  }
  return {
    view: request.view,
    ...(request.modelName ? { modelName: request.modelName } : {}),
    ...(request.trainers.length > 0
      ? {
          trainers: request.trainers.map((trainer, i) => ({
            name: trainer.name,
            params: jsonObject(`trainers[${i}].params_json`, trainer.paramsJson) ?? {},
            ...(trainer.seed ? { seed: trainer.seed } : {}),
          })),
        }
      : {}),
    ...(request.rulesJson.length > 0 ? { rules: jsonObject('rules_json', request.rulesJson) } : {}),
    approval: request.approval === Approval.APPROVAL_REQUIRED ? 'required' : 'none',
    ...(request.approvalTimeoutMs > 0 ? { approvalTimeoutMs: request.approvalTimeoutMs } : {}),
    force: request.force,
    // Checked by the workflow's input parser, which names the field.
    ...(request.validationFraction === undefined
      ? {}
      : { validationFraction: request.validationFraction }),
    ...(request.testFraction === undefined ? {} : { testFraction: request.testFraction }),
    ...(request.purge === undefined ? {} : { purge: request.purge }),
  };
};

const STATUS_NAMES: Record<string, PipelineStatus> = {
  RUNNING: PipelineStatus.PIPELINE_STATUS_RUNNING,
  COMPLETED: PipelineStatus.PIPELINE_STATUS_COMPLETED,
  FAILED: PipelineStatus.PIPELINE_STATUS_FAILED,
  CANCELLED: PipelineStatus.PIPELINE_STATUS_CANCELLED,
  TERMINATED: PipelineStatus.PIPELINE_STATUS_TERMINATED,
  TIMED_OUT: PipelineStatus.PIPELINE_STATUS_TIMED_OUT,
  CONTINUED_AS_NEW: PipelineStatus.PIPELINE_STATUS_CONTINUED_AS_NEW,
};

/** The workflow execution status's name (client's `status.name`) as the API's enum. */
export const toPipelineStatus = (name: string | undefined): PipelineStatus =>
  STATUS_NAMES[name ?? ''] ?? PipelineStatus.PIPELINE_STATUS_UNSPECIFIED;

/** The visibility query's status name for the API's enum; undefined for any status. */
export const statusQueryName = (status: PipelineStatus): string | undefined => {
  if (status === PipelineStatus.UNRECOGNIZED) throw new ValidationError('status', 'is not known');
  const entry = Object.entries(STATUS_NAMES).find(([, value]) => value === status);
  const name = entry?.[0];
  if (!name) return undefined;
  return visibilityStatusName(name);
};

export const jsonBytes = (value: unknown): Buffer =>
  value === undefined ? Buffer.alloc(0) : Buffer.from(JSON.stringify(value));
