import { randomBytes, randomUUID } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { type AppContext, auth, type Handler } from '../context.js';
import { ApiError, notFound } from '../errors.js';
import { nowIso, objectId } from '../ids.js';
import {
  presentAppRegistration,
  presentCollection,
  presentFlow,
  presentPerson,
  presentProject,
  presentSession,
  presentValidation,
} from '../present.js';
import type { AppRegistration, Collection, ProjectFlow, ValidationStatus } from '../store/types.js';

type Body = Record<string, unknown>;
const body = (req: FastifyRequest) => req.body as Body;
const query = (req: FastifyRequest) => req.query as Record<string, string | undefined>;
const idParam = (req: FastifyRequest) => (req.params as { id: string }).id;

function paging(req: FastifyRequest) {
  const q = query(req);
  return { page: Number(q.page ?? 1), limit: Number(q.limit ?? 20) };
}

const pageOf = <T>(items: T[], total: number, p: { page: number; limit: number }) => ({
  success: true,
  data: items,
  total,
  ...p,
});

export const projectNotFound = (id: string) =>
  notFound('PROJECT_NOT_FOUND', 'Project not found', `No project ${id} belongs to this client.`);
export const flowNotFound = (id: string) =>
  notFound('PROJECT_FLOW_NOT_FOUND', 'Project flow not found', `No project flow ${id} exists.`);
const collectionNotFound = (id: string, where = 'this client') =>
  notFound('COLLECTION_NOT_FOUND', 'Collection not found', `No collection ${id} belongs to ${where}.`);

/** Default minimum search score of each search mode. */
export const SEARCH_DEFAULTS = { ACCURATE: 0.9, FAST: 0.85 } as const;

async function checkCollection(ctx: AppContext, clientId: string, projectId: string, id: unknown) {
  if (id === undefined || id === null) return undefined;
  const c = await ctx.store.getCollection(clientId, String(id));
  if (!c || c.projectId !== projectId) throw collectionNotFound(String(id), 'this project');
  return c.id;
}

export const resourceHandlers: Record<string, Handler> = {
  async createProject(ctx, req) {
    const now = nowIso();
    const p = {
      id: objectId(),
      clientId: auth(req).subject,
      name: String(body(req).name),
      webhookSecret: `whsec_${randomBytes(24).toString('base64')}`,
      createdAt: now,
      updatedAt: now,
    };
    await ctx.store.createProject(p);
    return { success: true, data: presentProject(p, true) };
  },

  async listProjects(ctx, req) {
    const p = paging(req);
    const res = await ctx.store.listProjects(auth(req).subject, p);
    return pageOf(
      res.items.map((x) => presentProject(x)),
      res.total,
      p,
    );
  },

  async getProject(ctx, req) {
    const p = await ctx.store.getProject(auth(req).subject, idParam(req));
    if (!p) throw projectNotFound(idParam(req));
    return { success: true, data: presentProject(p) };
  },

  async updateProject(ctx, req) {
    const p = await ctx.store.getProject(auth(req).subject, idParam(req));
    if (!p) throw projectNotFound(idParam(req));
    const b = body(req);
    const next = { ...p, name: b.name === undefined ? p.name : String(b.name), updatedAt: nowIso() };
    await ctx.store.updateProject(next);
    return { success: true, data: presentProject(next) };
  },

  async createProjectFlow(ctx, req) {
    const clientId = auth(req).subject;
    const b = body(req);
    const project = await ctx.store.getProject(clientId, String(b.project));
    if (!project) throw projectNotFound(String(b.project));
    const searchMode = (b.searchMode as ProjectFlow['searchMode']) ?? 'ACCURATE';
    const now = nowIso();
    const type = b.type as ProjectFlow['type'];
    const f: ProjectFlow = {
      id: objectId(),
      clientId,
      projectId: project.id,
      type,
      status: (b.status as ProjectFlow['status']) ?? 'draft',
      name: (b.name as string) ?? (type === 'login' ? 'Login' : 'Onboarding'),
      livenessMinScore: (b.livenessMinScore as number) ?? 0.6,
      searchMode,
      searchMinScore: (b.searchMinScore as number) ?? SEARCH_DEFAULTS[searchMode],
      maxAttempts: (b.maxAttempts as number) ?? 3,
      retainFaceImages: (b.retainFaceImages as boolean) ?? false,
      redirectUrl: b.redirectUrl as string | undefined,
      webhookUrl: b.webhookUrl as string | undefined,
      collectionId: await checkCollection(ctx, clientId, project.id, b.assignedCollection),
      createdAt: now,
      updatedAt: now,
    };
    await ctx.store.createFlow(f);
    return { success: true, data: presentFlow(f) };
  },

  async listProjectFlows(ctx, req) {
    const p = paging(req);
    const res = await ctx.store.listFlows(auth(req).subject, { ...p, projectId: query(req).project });
    return pageOf(res.items.map(presentFlow), res.total, p);
  },

  async getProjectFlow(ctx, req) {
    const f = await ctx.store.getFlow(auth(req).subject, idParam(req));
    if (!f) throw flowNotFound(idParam(req));
    return { success: true, data: presentFlow(f) };
  },

  async updateProjectFlow(ctx, req) {
    const clientId = auth(req).subject;
    const f = await ctx.store.getFlow(clientId, idParam(req));
    if (!f) throw flowNotFound(idParam(req));
    const b = body(req);
    const next: ProjectFlow = { ...f, updatedAt: nowIso() };
    for (const k of [
      'name',
      'status',
      'livenessMinScore',
      'searchMode',
      'searchMinScore',
      'maxAttempts',
      'retainFaceImages',
    ] as const)
      if (b[k] !== undefined) (next as unknown as Body)[k] = b[k];
    // A new search mode without an explicit minimum takes that mode's default.
    if (b.searchMode !== undefined && b.searchMinScore === undefined)
      next.searchMinScore = SEARCH_DEFAULTS[next.searchMode];
    if (b.redirectUrl !== undefined) next.redirectUrl = (b.redirectUrl as string | null) ?? undefined;
    if (b.webhookUrl !== undefined) next.webhookUrl = (b.webhookUrl as string | null) ?? undefined;
    if (b.assignedCollection !== undefined)
      next.collectionId = await checkCollection(ctx, clientId, f.projectId, b.assignedCollection);
    await ctx.store.updateFlow(next);
    return { success: true, data: presentFlow(next) };
  },

  async createCollection(ctx, req) {
    const clientId = auth(req).subject;
    const b = body(req);
    const project = await ctx.store.getProject(clientId, String(b.project));
    if (!project) throw projectNotFound(String(b.project));
    const now = nowIso();
    const c: Collection = {
      id: objectId(),
      clientId,
      projectId: project.id,
      name: String(b.name),
      description: b.description as string | undefined,
      code: randomUUID(),
      createdAt: now,
      updatedAt: now,
    };
    await ctx.store.createCollection(c);
    return { success: true, data: presentCollection(c, 0) };
  },

  async listCollections(ctx, req) {
    const p = paging(req);
    const res = await ctx.store.listCollections(auth(req).subject, { ...p, projectId: query(req).project });
    const items = [];
    for (const c of res.items) items.push(presentCollection(c, await ctx.store.countPersons(c.id)));
    return pageOf(items, res.total, p);
  },

  async getCollection(ctx, req) {
    const c = await ctx.store.getCollection(auth(req).subject, idParam(req));
    if (!c) throw collectionNotFound(idParam(req));
    return { success: true, data: presentCollection(c, await ctx.store.countPersons(c.id)) };
  },

  async deleteCollection(ctx, req) {
    const c = await ctx.store.getCollection(auth(req).subject, idParam(req));
    if (!c) throw collectionNotFound(idParam(req));
    const flows = await ctx.store.flowsUsingCollection(c.id);
    if (flows.length)
      throw new ApiError(
        409,
        'COLLECTION_IN_USE',
        'Collection in use',
        `Collection ${c.id} is assigned to project flow ${flows.join(', ')}; unassign it first.`,
      );
    const counts = await ctx.store.deleteCollection(c.id);
    ctx.faces.removeCollection(c.id);
    return { success: true, data: { _id: c.id, deleted: true, ...counts } };
  },

  async listPersons(ctx, req) {
    const p = paging(req);
    const q = query(req);
    const res = await ctx.store.listPersons(auth(req).subject, {
      ...p,
      projectId: q.project,
      collectionId: q.collection,
    });
    return pageOf(res.items.map(presentPerson), res.total, p);
  },

  async getPerson(ctx, req) {
    const p = await ctx.store.getPerson(auth(req).subject, idParam(req));
    if (!p)
      throw notFound(
        'PERSON_NOT_FOUND',
        'Person not found',
        `No person ${idParam(req)} belongs to this client.`,
      );
    return { success: true, data: presentPerson(p) };
  },

  async deletePerson(ctx, req) {
    const p = await ctx.store.getPerson(auth(req).subject, idParam(req));
    if (!p)
      throw notFound(
        'PERSON_NOT_FOUND',
        'Person not found',
        `No person ${idParam(req)} belongs to this client.`,
      );
    const counts = await ctx.store.deletePerson(p.id);
    ctx.faces.removePerson(p.collectionId, p.id);
    return { success: true, data: { _id: p.id, deleted: true, ...counts } };
  },

  async createAppRegistration(ctx, req) {
    const clientId = auth(req).subject;
    const b = body(req);
    const project = await ctx.store.getProject(clientId, String(b.project));
    if (!project) throw projectNotFound(String(b.project));
    const flow = await ctx.store.getFlow(clientId, String(b.projectFlow));
    if (!flow) throw flowNotFound(String(b.projectFlow));
    if (flow.projectId !== project.id || flow.type !== 'onboarding' || flow.status !== 'active')
      throw new ApiError(
        400,
        'INVALID_PROJECT_FLOW',
        'Invalid project flow',
        `Project flow ${flow.id} is ${flow.projectId !== project.id ? `not a flow of project ${project.id}` : flow.type !== 'onboarding' ? `a ${flow.type} flow` : flow.status}; app registrations need an active onboarding flow of the project.`,
      );
    const now = Date.now();
    const r: AppRegistration = {
      id: objectId(now),
      clientId,
      projectId: project.id,
      flowId: flow.id,
      status: 'STARTED',
      email: b.email as string | undefined,
      countryCode: b.countryCode as string | undefined,
      phone: b.phone as string | undefined,
      os: b.os as AppRegistration['os'],
      collectionId: flow.collectionId,
      expiresAt: nowIso(now + ctx.config.APP_REGISTRATION_TTL_S * 1000),
      createdAt: nowIso(now),
      updatedAt: nowIso(now),
    };
    await ctx.store.createAppRegistration(r);
    const token = await appRegistrationToken(ctx, r);
    return { success: true, data: { appRegistration: presentAppRegistration(r), token } };
  },

  async getAppRegistration(ctx, req) {
    const r = await ctx.store.getAppRegistration(idParam(req));
    if (!r || r.clientId !== auth(req).subject)
      throw notFound(
        'APP_REGISTRATION_NOT_FOUND',
        'App registration not found',
        `No app registration ${idParam(req)} belongs to this client.`,
      );
    return { success: true, data: presentAppRegistration(withExpiry(r)) };
  },

  async listBiometricValidations(ctx, req) {
    const p = paging(req);
    const q = query(req);
    const res = await ctx.store.listValidations(auth(req).subject, {
      ...p,
      projectId: q.project,
      status: q.status as ValidationStatus | undefined,
    });
    const mail = await ctx.store.linkMailStatus(
      res.items.filter((v) => v.options.sendViaEmail).map((v) => v.id),
    );
    return pageOf(
      res.items.map((v) => presentValidation(v, captureUrl(ctx, v), mail.get(v.id))),
      res.total,
      p,
    );
  },

  async getBiometricValidation(ctx, req) {
    const v = await ctx.store.getValidation(idParam(req));
    if (!v || v.clientId !== auth(req).subject)
      throw notFound(
        'BIOMETRIC_VALIDATION_NOT_FOUND',
        'Biometric validation not found',
        `No biometric validation ${idParam(req)} belongs to this client.`,
      );
    return {
      success: true,
      data: {
        biometricValidation: presentValidation(
          v,
          captureUrl(ctx, v),
          v.options.sendViaEmail ? (await ctx.store.linkMailStatus([v.id])).get(v.id) : undefined,
        ),
        livenessSession: presentSession(v),
      },
    };
  },

  async getJwks(ctx) {
    return ctx.keys.jwks();
  },

  async getHealth() {
    return { status: 'ok' };
  },

  async getReadiness(ctx) {
    if (ctx.closing) throw new ApiError(503, 'NOT_READY', 'Not ready', 'The server is shutting down.');
    if (!ctx.faces.ready)
      throw new ApiError(503, 'NOT_READY', 'Not ready', 'The face engine is still loading its models.');
    try {
      await ctx.store.ping();
    } catch {
      // A load balancer takes this instance out of rotation while its database does not answer.
      throw new ApiError(503, 'NOT_READY', 'Not ready', 'The database does not answer.');
    }
    return { status: 'ready', checks: { database: 'ok', engine: 'ok' } };
  },
};

/** The hosted capture page (`@faceproof/capture`), in the validation's language. */
export const captureUrl = (ctx: AppContext, v: { id: string; options: { language: string } }) =>
  `${ctx.config.publicUrl}/capture/${v.id}?lang=${v.options.language}`;

/** Registrations still open after their expiry read as EXPIRED. */
export function withExpiry(r: AppRegistration): AppRegistration {
  if ((r.status === 'STARTED' || r.status === 'ONGOING') && Date.parse(r.expiresAt) <= Date.now())
    return { ...r, status: 'EXPIRED' };
  return r;
}

export function appRegistrationToken(ctx: AppContext, r: AppRegistration) {
  return ctx.keys.sign('app-registration', { sub: r.id, project: r.projectId }, new Date(r.expiresAt));
}
