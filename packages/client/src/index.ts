export {
  type AppRegistrationFaceBody,
  type AppRegistrationSession,
  type CallOptions,
  type CreateBiometricValidationBody,
  createFaceproofClient,
  type FaceproofClient,
  type FaceproofClientOptions,
  type LivenessSession,
  type ValidateBody,
} from './client.js';
export {
  FaceproofApiError,
  FaceproofConnectionError,
  FaceproofError,
  FaceproofImageError,
  FaceproofTimeoutError,
  FaceproofUnexpectedResponseError,
  FaceproofWebhookSecretError,
} from './errors.js';
export { errorCodes } from './generated/error-codes.js';
export type { components, operations, paths, webhooks } from './generated/schema.js';
export { type ImageInput, sniffImageType, toImageDataUri } from './image.js';
export {
  authMiddleware,
  requestIdMiddleware,
  retryMiddleware,
  type TokenSource,
  timeoutMiddleware,
} from './middleware.js';
export {
  type ErrorCode,
  type ErrorResult,
  type ErrorStatus,
  type FaceproofResult,
  type OperationId,
  type SuccessResult,
  type SuccessStatus,
  toResult,
  unwrap,
} from './result.js';
export { parseRetryAfter, type RetryOptions, type RetryPolicy, retryPolicyOf } from './retry.js';
export { ReplayableRequest } from './transport.js';
export {
  type RejectedWebhook,
  type UnknownWebhookEvent,
  type VerifiedWebhook,
  type VerifyWebhookInput,
  verifyWebhook,
  type WebhookEvent,
  type WebhookEventOf,
  type WebhookEventType,
  type WebhookFailureCode,
  type WebhookHeaders,
  type WebhookVerification,
  webhookEventTypes,
} from './webhooks.js';
