import { TerraformProvider } from 'cdktf';
import { StoreArns } from '../policy/artifacts';

/** What every CodeBuild project a pipeline action runs needs: where it runs, its names, its store and source. */
export interface PipelineProjectProps {
  /** Provider of the tooling account in the pipeline region. */
  readonly provider: TerraformProvider;
  /** Tooling account id. */
  readonly account: string;
  /** Pipeline region (where the project runs). */
  readonly region: string;
  readonly projectName: string;
  readonly roleName: string;
  /** CloudWatch log group of the project, encrypted with the store's key. */
  readonly logGroupName: string;
  /** The pipeline region's artifact store: the source artifact is there, and its key encrypts what the project writes. */
  readonly store: StoreArns;
  /** The source connection: the source artifact is a clone reference the project clones through it. */
  readonly connectionArn: string;
}
