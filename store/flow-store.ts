import { MongoServerError, type Db } from 'mongodb';
import { LienthongError } from '../schemas/errors';
import type { FlowDefinition, FlowSummary, FlowVersion } from '../schemas/flow';

interface FlowDoc {
  _id: string;
  title: string;
  scope: FlowDefinition['scope'];
  latestVersion: number;
  activeVersion: number | null;
}

interface FlowVersionDoc extends FlowVersion {
  _id: string;
}

const isDuplicateKey = (err: unknown) => err instanceof MongoServerError && err.code === 11000;

/**
 * Approval flows as versioned data: every save is a new immutable version; one version per flow is active.
 * Documents pin `name@version` at submission, so editing a flow never changes documents already in approval.
 */
export class FlowStore {
  constructor(private readonly db: Db) {}

  private get flows() {
    return this.db.collection<FlowDoc>('flows');
  }
  private get versions() {
    return this.db.collection<FlowVersionDoc>('flow_versions');
  }

  /**
   * Saves a definition as the next version of its flow (creating the flow at version 1). The new version is
   * active at once only when the flow had no active version; otherwise an administrator activates it.
   * @throws LienthongError CONFLICT when the scope differs from the flow's existing scope.
   */
  async saveVersion(def: FlowDefinition, actor: string, now: Date): Promise<FlowVersion> {
    const existing = await this.flows.findOne({ _id: def.name });
    if (existing && JSON.stringify(existing.scope) !== JSON.stringify(def.scope)) {
      throw new LienthongError('CONFLICT', `flow ${def.name} belongs to another scope; choose another name`);
    }
    for (let attempt = 0; attempt < 10; attempt++) {
      const current = existing ? ((await this.flows.findOne({ _id: def.name }))?.latestVersion ?? 0) : 0;
      const version = current + 1;
      const doc: FlowVersionDoc = {
        _id: `${def.name}@${version}`,
        name: def.name,
        version,
        definition: def,
        createdAt: now.toISOString(),
        createdBy: actor,
      };
      try {
        // The version id is unique: two concurrent saves cannot both take the same number.
        await this.versions.insertOne(doc);
      } catch (err) {
        if (isDuplicateKey(err)) continue;
        throw err;
      }
      await this.flows.updateOne(
        { _id: def.name },
        {
          $set: { title: def.title, scope: def.scope },
          $max: { latestVersion: version },
          $setOnInsert: { activeVersion: version },
        },
        { upsert: true },
      );
      const { _id, ...v } = doc;
      return v;
    }
    throw new LienthongError('CONFLICT', `flow ${def.name} is being edited concurrently; try again`);
  }

  async list(filter: { agency?: string } = {}): Promise<FlowSummary[]> {
    const q = filter.agency ? { 'scope.agency': filter.agency } : {};
    const docs = await this.flows.find(q).sort({ _id: 1 }).toArray();
    return docs.map((d) => ({
      name: d._id,
      title: d.title,
      scope: d.scope,
      activeVersion: d.activeVersion,
      latestVersion: d.latestVersion,
    }));
  }

  async get(name: string): Promise<(FlowSummary & { versions: FlowVersion[] }) | null> {
    const doc = await this.flows.findOne({ _id: name });
    if (!doc) return null;
    const versions = (await this.versions.find({ name }).sort({ version: 1 }).toArray()).map(
      ({ _id, ...v }) => v,
    );
    return {
      name,
      title: doc.title,
      scope: doc.scope,
      activeVersion: doc.activeVersion,
      latestVersion: doc.latestVersion,
      versions,
    };
  }

  async getVersion(name: string, version: number): Promise<FlowVersion | null> {
    const doc = await this.versions.findOne({ _id: `${name}@${version}` });
    if (!doc) return null;
    const { _id, ...v } = doc;
    return v;
  }

  async activeVersion(name: string): Promise<FlowVersion | null> {
    const flow = await this.flows.findOne({ _id: name });
    return flow?.activeVersion ? this.getVersion(name, flow.activeVersion) : null;
  }

  /** @throws LienthongError NOT_FOUND for an unknown flow or version. */
  async activate(name: string, version: number): Promise<FlowSummary> {
    if (!(await this.getVersion(name, version)))
      throw new LienthongError('NOT_FOUND', `flow ${name} has no version ${version}`);
    await this.flows.updateOne({ _id: name }, { $set: { activeVersion: version } });
    return (await this.list()).find((f) => f.name === name)!;
  }

  /**
   * The active flow for a document: the agency's own flow for its type first, then its level's default.
   * Returns null when none applies (the caller then uses the built-in default flow).
   */
  async activeFor(agency: string, level: string, type: string): Promise<FlowVersion | null> {
    const candidates = await this.flows
      .find({ $or: [{ 'scope.agency': agency }, { 'scope.level': level }] })
      .sort({ _id: 1 })
      .toArray();
    const ordered = [
      ...candidates.filter((c) => 'agency' in c.scope),
      ...candidates.filter((c) => 'level' in c.scope),
    ];
    for (const flow of ordered) {
      if (!flow.activeVersion) continue;
      const version = await this.getVersion(flow._id, flow.activeVersion);
      const types: string[] = version?.definition.documentTypes ?? [];
      if (version && (types.length === 0 || types.includes(type))) return version;
    }
    return null;
  }
}
