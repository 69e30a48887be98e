import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Kernel } from '../../core/kernel.ts';
import {
  createEnterprise,
  getEnterprise,
  listEnterprises,
  revealEnterprise,
  updateEnterprise,
} from '../../core/subjects/enterprises.service.ts';
import {
  createHouse,
  getHouse,
  HOUSE_KINDS,
  listHouses,
  updateHouse,
} from '../../core/subjects/houses.service.ts';
import {
  createPerson,
  findPersonByIdNumber,
  getPerson,
  listPersons,
  revealPerson,
  updatePerson,
} from '../../core/subjects/persons.service.ts';
import { createThing, getThing, listThings, updateThing } from '../../core/subjects/things.service.ts';
import { requireActor } from '../auth.ts';
import { ErrorBody } from '../errors.ts';
import { IdParam } from '../schemas.ts';
import * as S from './subjects.schemas.ts';

const errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody, 409: ErrorBody };

/** 人房企物: thin routes — validate, authenticate, call the service (which authorises and scopes), present. */
export const subjectsRoutes =
  (kernel: Kernel): FastifyPluginAsyncZod =>
  async (app) => {
    const { db, vault } = kernel;
    const tx = <T>(fn: (t: typeof db) => Promise<T>) => db.transaction().execute(fn);

    // 人 persons
    const persons = { tags: ['persons 人'] };
    app.get(
      '/persons',
      {
        schema: {
          ...persons,
          summary: '人员列表（证件号、手机号脱敏）/ Persons in scope, identifiers masked',
          querystring: S.listQuery(['id', 'name', 'updatedAt'] as const).extend({
            houseId: IdParam.shape.id.optional(),
            tag: z.string().max(20).optional(),
          }),
          response: { 200: S.PersonPage, ...errors },
        },
      },
      async (req) => listPersons(db, vault, requireActor(req), req.query),
    );
    app.post(
      '/persons/lookup',
      {
        schema: {
          ...persons,
          summary: '按身份证号精确查找（POST 以免号码进入日志）/ Exact lookup by ID number',
          body: z.object({ idNumber: z.string().trim().min(1).max(30) }),
          response: { 200: z.object({ person: S.PersonSchema.nullable() }), ...errors },
        },
      },
      async (req) => ({
        person: await findPersonByIdNumber(db, vault, requireActor(req), req.body.idNumber),
      }),
    );
    app.get(
      '/persons/:id',
      {
        schema: {
          ...persons,
          summary: '人员详情 / A person',
          params: IdParam,
          response: { 200: S.PersonSchema, ...errors },
        },
      },
      async (req) => getPerson(db, vault, requireActor(req), req.params.id),
    );
    app.post(
      '/persons',
      {
        schema: {
          ...persons,
          summary: '登记人员 / Register a person',
          body: S.PersonInput,
          response: { 201: S.PersonSchema, ...errors },
        },
      },
      async (req, reply) => {
        const actor = requireActor(req);
        return reply.status(201).send(await tx((t) => createPerson(t, vault, actor, req.body)));
      },
    );
    app.patch(
      '/persons/:id',
      {
        schema: {
          ...persons,
          summary: '修改人员 / Update a person',
          params: IdParam,
          body: S.PersonPatch,
          response: { 200: S.PersonSchema, ...errors },
        },
      },
      async (req) => {
        const actor = requireActor(req);
        const { version, ...patch } = req.body;
        return tx((t) => updatePerson(t, vault, actor, req.params.id, version, patch));
      },
    );
    app.post(
      '/persons/:id/reveal',
      {
        schema: {
          ...persons,
          summary: '查看完整证件号/手机号（需事由，记审计）/ Reveal identifiers for a reason (audited)',
          params: IdParam,
          body: S.RevealBody,
          response: {
            200: z.object({
              idNumber: z.string().nullable().optional(),
              phone: z.string().nullable().optional(),
            }),
            ...errors,
          },
        },
      },
      async (req) => {
        const actor = requireActor(req);
        return tx((t) => revealPerson(t, vault, actor, req.params.id, req.body.fields, req.body.reason));
      },
    );

    // 房 houses
    const houses = { tags: ['houses 房'] };
    app.get(
      '/houses',
      {
        schema: {
          ...houses,
          summary: '房屋列表 / Houses in scope',
          querystring: S.listQuery(['id', 'address', 'updatedAt'] as const).extend({
            kind: z.enum(HOUSE_KINDS).optional(),
          }),
          response: { 200: S.HousePage, ...errors },
        },
      },
      async (req) => listHouses(db, requireActor(req), req.query),
    );
    app.get(
      '/houses/:id',
      {
        schema: {
          ...houses,
          summary: '房屋详情（住户脱敏、入驻企业）/ A house with its residents and enterprises',
          params: IdParam,
          response: { 200: S.HouseDetailSchema, ...errors },
        },
      },
      async (req) => getHouse(db, vault, requireActor(req), req.params.id),
    );
    app.post(
      '/houses',
      {
        schema: {
          ...houses,
          summary: '登记房屋 / Register a house',
          body: S.HouseInput,
          response: { 201: S.HouseSchema, ...errors },
        },
      },
      async (req, reply) => {
        const actor = requireActor(req);
        return reply.status(201).send(await tx((t) => createHouse(t, actor, req.body)));
      },
    );
    app.patch(
      '/houses/:id',
      {
        schema: {
          ...houses,
          summary: '修改房屋 / Update a house',
          params: IdParam,
          body: S.HousePatch,
          response: { 200: S.HouseSchema, ...errors },
        },
      },
      async (req) => {
        const actor = requireActor(req);
        const { version, ...patch } = req.body;
        return tx((t) => updateHouse(t, actor, req.params.id, version, patch));
      },
    );

    // 企 enterprises
    const ents = { tags: ['enterprises 企'] };
    app.get(
      '/enterprises',
      {
        schema: {
          ...ents,
          summary: '企业列表 / Enterprises in scope (an enterprise user sees their own)',
          querystring: S.listQuery(['id', 'name', 'updatedAt'] as const).extend({
            industry: z.string().max(50).optional(),
          }),
          response: { 200: S.EnterprisePage, ...errors },
        },
      },
      async (req) => listEnterprises(db, vault, requireActor(req), req.query),
    );
    app.get(
      '/enterprises/:id',
      {
        schema: {
          ...ents,
          summary: '企业详情 / An enterprise',
          params: IdParam,
          response: { 200: S.EnterpriseSchema, ...errors },
        },
      },
      async (req) => getEnterprise(db, vault, requireActor(req), req.params.id),
    );
    app.post(
      '/enterprises',
      {
        schema: {
          ...ents,
          summary: '登记企业 / Register an enterprise',
          body: S.EnterpriseInput,
          response: { 201: S.EnterpriseSchema, ...errors },
        },
      },
      async (req, reply) => {
        const actor = requireActor(req);
        return reply.status(201).send(await tx((t) => createEnterprise(t, vault, actor, req.body)));
      },
    );
    app.patch(
      '/enterprises/:id',
      {
        schema: {
          ...ents,
          summary: '修改企业 / Update an enterprise',
          params: IdParam,
          body: S.EnterprisePatch,
          response: { 200: S.EnterpriseSchema, ...errors },
        },
      },
      async (req) => {
        const actor = requireActor(req);
        const { version, ...patch } = req.body;
        return tx((t) => updateEnterprise(t, vault, actor, req.params.id, version, patch));
      },
    );
    app.post(
      '/enterprises/:id/reveal',
      {
        schema: {
          ...ents,
          summary: '查看联系电话（需事由，记审计）/ Reveal the contact number (audited)',
          params: IdParam,
          body: S.RevealBody.pick({ reason: true }),
          response: { 200: z.object({ phone: z.string().nullable() }), ...errors },
        },
      },
      async (req) => {
        const actor = requireActor(req);
        return tx((t) => revealEnterprise(t, vault, actor, req.params.id, req.body.reason));
      },
    );

    // 物 things
    const things = { tags: ['things 物'] };
    app.get(
      '/things',
      {
        schema: {
          ...things,
          summary: '物（摄像头、船舶、车辆…）列表 / Things in scope',
          querystring: S.listQuery(['id', 'name', 'updatedAt'] as const).extend({
            kind: z
              .string()
              .regex(/^[a-z_]{2,30}$/)
              .optional(),
          }),
          response: { 200: S.ThingPage, ...errors },
        },
      },
      async (req) => listThings(db, requireActor(req), req.query),
    );
    app.get(
      '/things/:id',
      {
        schema: {
          ...things,
          summary: '物详情 / A thing',
          params: IdParam,
          response: { 200: S.ThingSchema, ...errors },
        },
      },
      async (req) => getThing(db, requireActor(req), req.params.id),
    );
    app.post(
      '/things',
      {
        schema: {
          ...things,
          summary: '登记物 / Register a thing',
          body: S.ThingInput,
          response: { 201: S.ThingSchema, ...errors },
        },
      },
      async (req, reply) => {
        const actor = requireActor(req);
        return reply.status(201).send(await tx((t) => createThing(t, actor, req.body)));
      },
    );
    app.patch(
      '/things/:id',
      {
        schema: {
          ...things,
          summary: '修改物 / Update a thing',
          params: IdParam,
          body: S.ThingPatch,
          response: { 200: S.ThingSchema, ...errors },
        },
      },
      async (req) => {
        const actor = requireActor(req);
        const { version, ...patch } = req.body;
        return tx((t) => updateThing(t, actor, req.params.id, version, patch));
      },
    );
  };
