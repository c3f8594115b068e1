import { IConstruct } from 'constructs';
import { IAspect } from 'cdktf';
import { Role } from './role';

/**
 * Puts a permissions boundary on every role under a scope, as aws-cdk-lib's `PermissionsBoundary.of(scope)`
 * does: the boundary of a role's account, which the apply role may only create roles with (docs/security.md).
 * verify's rule ROLES_WITHIN_BOUNDARY fails a plan with a role it missed.
 */
export class PermissionsBoundary implements IAspect {
  /** @param boundaryOf the boundary policy ARN for a role's account */
  constructor(private readonly boundaryOf: (account: string) => string) {}

  visit(node: IConstruct): void {
    if (node instanceof Role) node.role.permissionsBoundary = this.boundaryOf(node.account);
  }
}
