import { randomUUID } from 'node:crypto';
import type { Db, Filter } from 'mongodb';
import { LienthongError } from '../schemas/errors';
import type { CertificateRequest } from '../schemas/pki';

interface RequestDoc extends CertificateRequest {
  _id: string;
}

/** Certificate requests ("đăng ký nhu cầu chứng thư số") and their decisions. */
export class CertificateRequestStore {
  constructor(private readonly db: Db) {}

  private get requests() {
    return this.db.collection<RequestDoc>('certificate_requests');
  }

  async create(input: Omit<CertificateRequest, 'id' | 'state'>): Promise<CertificateRequest> {
    const id = randomUUID();
    const doc: RequestDoc = { _id: id, id, state: 'PENDING', ...input };
    await this.requests.insertOne(doc);
    return strip(doc);
  }

  async get(id: string): Promise<CertificateRequest | null> {
    const doc = await this.requests.findOne({ _id: id });
    return doc ? strip(doc) : null;
  }

  async list(filter: {
    agency?: string;
    state?: CertificateRequest['state'];
  }): Promise<CertificateRequest[]> {
    const q: Filter<RequestDoc> = {};
    if (filter.agency) q.agency = filter.agency;
    if (filter.state) q.state = filter.state;
    return (await this.requests.find(q).sort({ requestedAt: -1 }).limit(500).toArray()).map(strip);
  }

  /**
   * Moves a request from one state to the next with a compare-and-set, so two administrators deciding at once
   * cannot both succeed. @throws LienthongError WRONG_STATE.
   */
  async transition(
    id: string,
    from: CertificateRequest['state'],
    to: CertificateRequest['state'],
    set: Partial<CertificateRequest>,
  ): Promise<CertificateRequest> {
    const res = await this.requests.findOneAndUpdate(
      { _id: id, state: from },
      { $set: { ...set, state: to } },
      { returnDocument: 'after' },
    );
    if (!res) {
      const current = await this.get(id);
      if (!current) throw new LienthongError('NOT_FOUND', 'no such certificate request');
      throw new LienthongError('WRONG_STATE', `the request is ${current.state}, not ${from}`);
    }
    return strip(res);
  }
}

function strip(doc: RequestDoc): CertificateRequest {
  const { _id, ...rest } = doc;
  return rest;
}
