import { TerraformProvider } from 'cdktf';
import { StoreArns } from '../policy/artifacts';

/** What every CodeBuild project of an environment needs: where it runs, its names, the connection it clones through. */
export interface CodeBuildProjectProps {
  /** Provider of the tooling account in the pipeline region. */
  readonly provider: TerraformProvider;
  /** Tooling account id. */
  readonly account: string;
  /** Pipeline region (where the project runs). */
  readonly region: string;
  readonly projectName: string;
  readonly roleName: string;
  /** CloudWatch log group of the project, encrypted with the pipeline region's artifact key. */
  readonly logGroupName: string;
  /** The connection the project clones through. */
  readonly connectionArn: string;
}

/** A project a pipeline action runs: it also reads (and may write) the pipeline region's artifact store. */
export interface PipelineProjectProps extends CodeBuildProjectProps {
  /** The pipeline region's artifact store: the source artifact is there, and its key encrypts what the project writes. */
  readonly store: StoreArns;
}
