import { defaultSearchMinScore } from '../contract/defaults.js';
import type { FlowType, LivenessMode, LoginMatch, ProjectFlow, SearchMode } from '../store/types.js';

/** A create request's settings, the spec's `default:` values filled in. */
export interface FlowInput {
  type: FlowType;
  status: ProjectFlow['status'];
  name?: string;
  livenessMinScore: number;
  searchMode: SearchMode;
  searchMinScore?: number;
  maxAttempts: number;
  retainFaceImages: boolean;
  livenessMode: LivenessMode;
  redirectUrl?: string;
  webhookUrl?: string;
  allowedRedirectOrigins?: string[];
  public: boolean;
  loginMatch: LoginMatch;
}

/** What a flow is made of besides the request: who owns it, its checked collection, its id and time. */
export interface FlowOrigin {
  id: string;
  clientId: string;
  projectId: string;
  collectionId: string | undefined;
  now: string;
}

/** A new flow: the search minimum, when left out, follows the mode (the spec's per-mode default). */
export function newFlow(input: FlowInput, origin: FlowOrigin): ProjectFlow {
  const { searchMode } = input;
  return {
    id: origin.id,
    clientId: origin.clientId,
    projectId: origin.projectId,
    type: input.type,
    status: input.status,
    name: input.name ?? (input.type === 'login' ? 'Login' : 'Onboarding'),
    livenessMinScore: input.livenessMinScore,
    searchMode,
    searchMinScore: input.searchMinScore ?? defaultSearchMinScore(searchMode),
    maxAttempts: input.maxAttempts,
    retainFaceImages: input.retainFaceImages,
    livenessMode: input.livenessMode,
    redirectUrl: input.redirectUrl,
    webhookUrl: input.webhookUrl,
    allowedRedirectOrigins: input.allowedRedirectOrigins,
    public: input.public,
    loginMatch: input.loginMatch,
    collectionId: origin.collectionId,
    createdAt: origin.now,
    updatedAt: origin.now,
  };
}

/** A partial update: absent fields stay, `null` clears the optional URLs. */
export interface FlowPatch {
  name?: string;
  status?: ProjectFlow['status'];
  livenessMinScore?: number;
  searchMode?: SearchMode;
  searchMinScore?: number;
  maxAttempts?: number;
  retainFaceImages?: boolean;
  livenessMode?: LivenessMode;
  redirectUrl?: string | null;
  webhookUrl?: string | null;
  allowedRedirectOrigins?: string[] | null;
  public?: boolean;
  loginMatch?: LoginMatch;
}

const SETTINGS = [
  'name',
  'status',
  'livenessMinScore',
  'searchMode',
  'searchMinScore',
  'maxAttempts',
  'retainFaceImages',
  'livenessMode',
  'public',
  'loginMatch',
] as const;

/** The flow after `patch`; `collectionId` is the (checked) collection it is assigned from now on. */
export function patchFlow(
  flow: ProjectFlow,
  patch: FlowPatch,
  next: { collectionId: string | undefined; now: string },
): ProjectFlow {
  const out: ProjectFlow = { ...flow, collectionId: next.collectionId, updatedAt: next.now };
  for (const k of SETTINGS) if (patch[k] !== undefined) Object.assign(out, { [k]: patch[k] });
  // A new search mode without an explicit minimum takes that mode's default.
  if (patch.searchMode !== undefined && patch.searchMinScore === undefined)
    out.searchMinScore = defaultSearchMinScore(out.searchMode);
  if (patch.redirectUrl !== undefined) out.redirectUrl = patch.redirectUrl ?? undefined;
  if (patch.webhookUrl !== undefined) out.webhookUrl = patch.webhookUrl ?? undefined;
  if (patch.allowedRedirectOrigins !== undefined)
    out.allowedRedirectOrigins = patch.allowedRedirectOrigins ?? undefined;
  return out;
}
