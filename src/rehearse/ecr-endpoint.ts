/**
 * A local Amazon ECR endpoint on 127.0.0.1 for the real AWS CLI (`--endpoint-url`) and for the Docker daemon's
 * stand-in (its manifest push). The client is real; every behaviour below is a documented rule of the
 * operation it answers, cited next to it (Amazon ECR API Reference, https://docs.aws.amazon.com/AmazonECR/latest/APIReference/).
 *
 * Wire format: the AWS JSON 1.1 protocol (POST /, `X-Amz-Target: AmazonEC2ContainerRegistry_V20150921.<Operation>`,
 * errors as HTTP 400 with `{"__type": "<ErrorName>", "message": ...}`); the region is the SigV4 credential scope
 * of the request's Authorization header, as ECR is a regional endpoint.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** Basic scanning on push, enhanced (Inspector) scanning, or none (the repository does not scan on push). */
export type ScanKind = 'basic' | 'enhanced' | 'none';

/** One vulnerability a scan reports: the finding name (a CVE id) and its severity. */
export interface ScanFinding {
  readonly name: string;
  readonly severity: 'CRITICAL' | 'HIGH' | 'MEDIUM' | 'LOW' | 'INFORMATIONAL' | 'UNDEFINED';
}

/** A repository the endpoint serves, as the plan creates it. */
export interface RepositorySpec {
  readonly region: string;
  readonly account: string;
  readonly name: string;
  /** `aws_ecr_repository.image_tag_mutability`. @default 'IMMUTABLE' */
  readonly tagMutability?: 'MUTABLE' | 'IMMUTABLE';
  /** Basic scanning on push, or enhanced (Inspector) scanning of the registry. @default 'basic' */
  readonly scan?: ScanKind;
}

/** Answers the endpoint gives that ECR does not document, to prove the scripts fail closed on them. */
export type ScanFault = 'no-findings-list' | 'no-scan-findings' | 'scan-in-progress';

export interface EcrEndpointProps {
  /** Repositories that exist; any other name is `RepositoryNotFoundException`. */
  readonly repositories: readonly RepositorySpec[];
  /** What each scan finds. @default no findings */
  readonly findings?: readonly ScanFinding[];
  /** A fault in the scan's answers. @default none */
  readonly scanFault?: ScanFault;
}

interface StoredImage {
  readonly manifest: string;
  readonly mediaType: string;
  readonly pushedAt: number;
}

interface Repository extends Required<RepositorySpec> {
  readonly images: Map<string, StoredImage>;
  readonly tags: Map<string, string>;
}

type Body = Record<string, any>;

class AwsError extends Error {
  constructor(
    readonly type: string,
    message: string,
  ) {
    super(message);
  }
}

/**
 * PutImage and the registry's manifest push compute the image digest as the SHA-256 of the manifest bytes
 * exactly as received (PutImage: "imageDigest: The image digest of the image manifest corresponding to the
 * image"; ImageDigestDoesNotMatchException: "The specified image digest does not match the digest that Amazon ECR
 * calculated for the image"; OCI distribution spec, "Pushing Manifests": the digest is over the canonical bytes).
 */
export const manifestDigest = (bytes: Buffer | string): string => `sha256:${createHash('sha256').update(bytes).digest('hex')}`;

/** DescribeImageScanFindings `maxResults`: 1 to 1000, 100 when omitted (API Reference, request parameters). */
const SCAN_PAGE_DEFAULT = 100;
const SCAN_PAGE_MAX = 1000;

export class EcrEndpoint {
  private readonly repositories = new Map<string, Repository>();
  private readonly server: Server;
  /** The password `GetAuthorizationToken` hands out; the registry push refuses any other. */
  readonly password = randomBytes(12).toString('hex');
  /** Every operation answered, as `<region> <Operation>` or `<region> <Operation> <ErrorName>`. */
  readonly calls: string[] = [];
  url = '';

  constructor(private readonly props: EcrEndpointProps) {
    for (const r of props.repositories) {
      this.repositories.set(`${r.region}/${r.name}`, { tagMutability: 'IMMUTABLE', scan: 'basic', ...r, images: new Map(), tags: new Map() });
    }
    this.server = createServer((req, res) => void this.handle(req, res));
  }

  async start(): Promise<this> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /** The tags and digests a repository holds. */
  contents(region: string, name: string): Record<string, string> {
    return Object.fromEntries(this.repositories.get(`${region}/${name}`)?.tags ?? []);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks);
    const registryPush = /^\/registry\/(\d{12})\/([a-z0-9-]+)\/v2\/(.+)\/manifests\/([^/]+)$/.exec(req.url ?? '');
    if (registryPush && req.method === 'PUT') return this.pushManifest(req, res, raw, registryPush.slice(1) as [string, string, string, string]);
    const operation = String(req.headers['x-amz-target'] ?? '').replace(/^AmazonEC2ContainerRegistry_V20150921\./, '');
    const region = /Credential=[^/]+\/\d{8}\/([a-z0-9-]+)\/ecr\//.exec(String(req.headers.authorization ?? ''))?.[1] ?? 'unsigned';
    try {
      const input = JSON.parse(raw.toString('utf8') || '{}') as Body;
      const output = this.operate(operation, region, input);
      this.calls.push(`${region} ${operation}`);
      res.writeHead(200, { 'content-type': 'application/x-amz-json-1.1' }).end(JSON.stringify(output));
    } catch (err) {
      const error = err instanceof AwsError ? err : new AwsError('ServerException', String(err));
      this.calls.push(`${region} ${operation} ${error.type}`);
      res.writeHead(400, { 'content-type': 'application/x-amz-json-1.1' }).end(JSON.stringify({ __type: error.type, message: error.message }));
    }
  }

  private operate(operation: string, region: string, input: Body): Body {
    switch (operation) {
      case 'GetAuthorizationToken':
        return this.authorizationToken(region);
      case 'DescribeImages':
        return this.describeImages(region, input);
      case 'DescribeImageScanFindings':
        return this.describeImageScanFindings(region, input);
      case 'BatchGetImage':
        return this.batchGetImage(region, input);
      case 'PutImage':
        return this.putImage(region, input);
      default:
        // Not an operation the pipeline's scripts call: a new call must be added here with its documented rules.
        throw new AwsError('UnknownOperationException', `the rehearsal's ECR endpoint does not answer ${operation || '(no X-Amz-Target)'}`);
    }
  }

  /** RepositoryNotFoundException: "The specified repository could not be found" (every operation below). */
  private repository(region: string, input: Body): Repository {
    const repo = this.repositories.get(`${region}/${input.repositoryName}`);
    if (!repo || (input.registryId && input.registryId !== repo.account)) {
      throw new AwsError('RepositoryNotFoundException', `The repository with name '${input.repositoryName}' does not exist in the registry with id '${input.registryId ?? '(caller)'}' in ${region}`);
    }
    return repo;
  }

  /** An imageId names a tag or a digest; when both, they must agree (ImageIdentifier). */
  private find(repo: Repository, id: Body): { digest: string; image: StoredImage } | undefined {
    const digest = id.imageDigest ?? repo.tags.get(id.imageTag);
    if (!digest || (id.imageTag && repo.tags.get(id.imageTag) !== digest)) return undefined;
    const image = repo.images.get(digest);
    return image && { digest, image };
  }

  private tagsOf(repo: Repository, digest: string): string[] {
    return [...repo.tags].filter(([, d]) => d === digest).map(([t]) => t).sort();
  }

  /** GetAuthorizationToken: a base64 `AWS:<password>` token and the registry's proxy endpoint, valid 12 hours. */
  private authorizationToken(region: string): Body {
    const account = this.props.repositories.find((r) => r.region === region)?.account ?? '000000000000';
    return {
      authorizationData: [
        {
          authorizationToken: Buffer.from(`AWS:${this.password}`).toString('base64'),
          expiresAt: Date.now() / 1000 + 12 * 3600,
          proxyEndpoint: `https://${account}.dkr.ecr.${region}.amazonaws.com`,
        },
      ],
    };
  }

  /** DescribeImages: ImageNotFoundException when a requested imageId does not exist. */
  private describeImages(region: string, input: Body): Body {
    const repo = this.repository(region, input);
    const ids: Body[] = input.imageIds ?? [...repo.images.keys()].map((imageDigest) => ({ imageDigest }));
    const imageDetails = ids.map((id) => {
      const found = this.find(repo, id);
      if (!found) throw new AwsError('ImageNotFoundException', `The image with imageId ${JSON.stringify(id)} does not exist within the repository with name '${repo.name}'`);
      return {
        registryId: repo.account,
        repositoryName: repo.name,
        imageDigest: found.digest,
        imageTags: this.tagsOf(repo, found.digest),
        imageSizeInBytes: Buffer.byteLength(found.image.manifest),
        imagePushedAt: found.image.pushedAt,
        imageManifestMediaType: found.image.mediaType,
        imageScanStatus: this.scanStatus(repo),
      };
    });
    return { imageDetails };
  }

  /**
   * ImageScanStatus.status: basic scanning reports COMPLETE once the scan on push finished; enhanced scanning
   * reports ACTIVE while Inspector continuously scans the image (API Reference, ImageScanStatus: "IN_PROGRESS |
   * COMPLETE | FAILED | UNSUPPORTED_IMAGE | ACTIVE | PENDING | SCAN_ELIGIBILITY_EXPIRED | FINDINGS_UNAVAILABLE").
   */
  private scanStatus(repo: Repository): Body {
    if (this.props.scanFault === 'scan-in-progress') return { status: 'IN_PROGRESS', description: 'Scan in progress' };
    return repo.scan === 'enhanced' ? { status: 'ACTIVE', description: 'Continuous scan is selected for image.' } : { status: 'COMPLETE', description: 'The scan was completed successfully.' };
  }

  /**
   * DescribeImageScanFindings: basic scanning returns `imageScanFindings.findings` (ImageScanFinding: name,
   * severity, uri, attributes), enhanced scanning `imageScanFindings.enhancedFindings` (EnhancedImageScanFinding:
   * packageVulnerabilityDetails.vulnerabilityId, severity, status, type); at most `maxResults` (default 100) a page,
   * with `nextToken` when more remain. ImageNotFoundException for an unknown image.
   */
  private describeImageScanFindings(region: string, input: Body): Body {
    const repo = this.repository(region, input);
    const found = this.find(repo, input.imageId ?? {});
    if (!found) throw new AwsError('ImageNotFoundException', `The image with imageId ${JSON.stringify(input.imageId)} does not exist within the repository with name '${repo.name}'`);
    // ScanNotFoundException: "The specified image scan could not be found" (no scan on push, no enhanced scanning).
    if (repo.scan === 'none') throw new AwsError('ScanNotFoundException', `Image scan does not exist for the image with '${JSON.stringify(input.imageId)}' in the repository with name '${repo.name}'`);
    const size = input.maxResults ?? SCAN_PAGE_DEFAULT;
    if (!Number.isInteger(size) || size < 1 || size > SCAN_PAGE_MAX) throw new AwsError('InvalidParameterException', `maxResults must be between 1 and ${SCAN_PAGE_MAX}`);
    const start = input.nextToken ? Number(Buffer.from(String(input.nextToken), 'base64').toString('utf8')) : 0;
    const all = this.props.findings ?? [];
    const page = all.slice(start, start + size);
    const counts: Record<string, number> = {};
    for (const f of all) counts[f.severity] = (counts[f.severity] ?? 0) + 1;
    const response: Body = {
      registryId: repo.account,
      repositoryName: repo.name,
      imageId: { imageDigest: found.digest, imageTag: input.imageId?.imageTag },
      imageScanStatus: this.scanStatus(repo),
    };
    if (this.props.scanFault !== 'no-scan-findings') {
      const findings: Body = { imageScanCompletedAt: found.image.pushedAt, vulnerabilitySourceUpdatedAt: found.image.pushedAt, findingSeverityCounts: counts };
      if (this.props.scanFault !== 'no-findings-list') {
        if (repo.scan === 'enhanced') {
          findings.enhancedFindings = page.map((f) => ({
            awsAccountId: repo.account,
            findingArn: `arn:aws:inspector2:${region}:${repo.account}:finding/${createHash('sha1').update(f.name).digest('hex')}`,
            packageVulnerabilityDetails: { vulnerabilityId: f.name, source: 'NVD' },
            severity: f.severity,
            status: 'ACTIVE',
            type: 'PACKAGE_VULNERABILITY',
          }));
        } else {
          findings.findings = page.map((f) => ({ name: f.name, severity: f.severity, uri: `https://nvd.nist.gov/vuln/detail/${f.name}`, attributes: [] }));
        }
      }
      response.imageScanFindings = findings;
    }
    if (start + size < all.length) response.nextToken = Buffer.from(String(start + size)).toString('base64');
    return response;
  }

  /** BatchGetImage: the manifest exactly as stored; a missing image is a `failures` entry (ImageNotFound), not an error. */
  private batchGetImage(region: string, input: Body): Body {
    const repo = this.repository(region, input);
    const images: Body[] = [];
    const failures: Body[] = [];
    for (const id of (input.imageIds ?? []) as Body[]) {
      const found = this.find(repo, id);
      if (!found) {
        failures.push({ imageId: id, failureCode: 'ImageNotFound', failureReason: 'Requested image not found' });
        continue;
      }
      images.push({ registryId: repo.account, repositoryName: repo.name, imageId: { imageDigest: found.digest, ...(id.imageTag ? { imageTag: id.imageTag } : {}) }, imageManifest: found.image.manifest, imageManifestMediaType: found.image.mediaType });
    }
    return { images, failures };
  }

  /**
   * PutImage: the digest is computed over the manifest as received and must equal `imageDigest` when given
   * (ImageDigestDoesNotMatchException); a tag already on another image of an IMMUTABLE repository is
   * ImageTagAlreadyExistsException; the same tag on the same image is ImageAlreadyExistsException.
   */
  private putImage(region: string, input: Body): Body {
    const repo = this.repository(region, input);
    if (typeof input.imageManifest !== 'string') throw new AwsError('InvalidParameterException', 'imageManifest is required');
    const digest = manifestDigest(Buffer.from(input.imageManifest, 'utf8'));
    if (input.imageDigest && input.imageDigest !== digest) {
      throw new AwsError('ImageDigestDoesNotMatchException', `Invalid parameter at 'imageDigest' failed to satisfy constraint: 'The specified image digest ${input.imageDigest} does not match the digest ${digest} that Amazon ECR calculated for the image manifest'`);
    }
    const mediaType = this.mediaTypeOf(input.imageManifest, input.imageManifestMediaType);
    this.store(repo, digest, input.imageManifest, mediaType, input.imageTag, (existing) =>
      existing === digest
        ? new AwsError('ImageAlreadyExistsException', `Image with digest '${digest}' and tag '${input.imageTag}' already exists in the repository with name '${repo.name}'`)
        : new AwsError('ImageTagAlreadyExistsException', `The image tag '${input.imageTag}' already exists in the '${repo.name}' repository and cannot be overwritten because the tag is immutable.`),
    );
    return { image: { registryId: repo.account, repositoryName: repo.name, imageId: { imageDigest: digest, imageTag: input.imageTag }, imageManifest: input.imageManifest, imageManifestMediaType: mediaType } };
  }

  /** The manifest's own `mediaType` must match the one given (PutImage: InvalidParameterException). */
  private mediaTypeOf(manifest: string, given?: string): string {
    let own: unknown;
    try {
      own = (JSON.parse(manifest) as Body).mediaType;
    } catch {
      throw new AwsError('InvalidParameterException', 'imageManifest is not a JSON document');
    }
    if (given && own && own !== given) throw new AwsError('InvalidParameterException', `imageManifestMediaType ${given} does not match the manifest's mediaType ${String(own)}`);
    const mediaType = given ?? own;
    if (typeof mediaType !== 'string') throw new AwsError('InvalidParameterException', 'the manifest names no mediaType and none was given');
    return mediaType;
  }

  private store(repo: Repository, digest: string, manifest: string, mediaType: string, tag: string | undefined, conflict: (existing: string) => AwsError): void {
    const existing = tag === undefined ? undefined : repo.tags.get(tag);
    if (existing !== undefined && (existing === digest || repo.tagMutability === 'IMMUTABLE')) throw conflict(existing);
    if (!repo.images.has(digest)) repo.images.set(digest, { manifest, mediaType, pushedAt: Math.floor(Date.now() / 1000) });
    if (tag !== undefined) repo.tags.set(tag, digest);
  }

  /**
   * The registry side of `docker push` (OCI distribution spec, "Pushing Manifests": PUT
   * /v2/<name>/manifests/<reference>, answered 201 with the `Docker-Content-Digest` of the bytes received). ECR
   * refuses an existing tag of an immutable repository with the registry error TAG_INVALID, and requests without
   * the token's basic credentials with 401 (ECR User Guide, "Private registry authentication").
   */
  private pushManifest(req: IncomingMessage, res: ServerResponse, raw: Buffer, [account, region, name, tag]: [string, string, string, string]): void {
    const registryError = (status: number, code: string, message: string) => {
      this.calls.push(`${region} registry-push ${code}`);
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify({ errors: [{ code, message }] }));
    };
    if (req.headers.authorization !== `Basic ${Buffer.from(`AWS:${this.password}`).toString('base64')}`) return registryError(401, 'DENIED', 'Your authorization token has expired or is missing: docker login with aws ecr get-login-password');
    const repo = this.repositories.get(`${region}/${name}`);
    if (!repo || repo.account !== account) return registryError(404, 'NAME_UNKNOWN', `The repository with name '${name}' does not exist in the registry with id '${account}'`);
    const digest = manifestDigest(raw);
    // Pushing the same image under the same tag again changes nothing and succeeds, immutable or not.
    if (repo.tags.get(tag) === digest) return void res.writeHead(201, { 'docker-content-digest': digest }).end();
    try {
      this.store(repo, digest, raw.toString('utf8'), String(req.headers['content-type']), tag, () => new AwsError('TAG_INVALID', `The image tag '${tag}' already exists in the '${name}' repository and cannot be overwritten because the repository is immutable.`));
    } catch (err) {
      return registryError(400, (err as AwsError).type, (err as AwsError).message);
    }
    this.calls.push(`${region} registry-push`);
    res.writeHead(201, { 'docker-content-digest': digest, location: `/v2/${name}/manifests/${digest}` }).end();
  }
}
