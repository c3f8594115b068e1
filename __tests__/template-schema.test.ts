import { readFileSync } from 'node:fs';
import { checkTemplate, templateParameters } from '../src/workloads/template-schema';

// The oracle is AWS's published resource schemas as @aws-cdk/aws-service-spec ships them (package.json pins it).
const SHIPPED = ['lambda-src/template.yaml', 'cfn-src/template.yaml'];
const queue = (properties: string) => `AWSTemplateFormatVersion: '2010-09-09'
Parameters:
  Stage:
    Type: String
Resources:
  Events:
    Type: AWS::SQS::Queue
    Properties:
${properties}
`;

describe('CloudFormation templates against the resource schemas', () => {
  it.each(SHIPPED)('%s passes', (file) => {
    expect(checkTemplate(readFileSync(file, 'utf8'))).toEqual([]);
  });

  it('fails a misspelt property with its line, suggesting the property', () => {
    expect(checkTemplate(queue('      MessageRetentionPeriods: 60'))).toEqual([{ line: 9, message: 'Events (AWS::SQS::Queue) has no property MessageRetentionPeriods; did you mean MessageRetentionPeriod?' }]);
  });

  it('fails a wrong type with its line (MessageRetentionPeriod is an integer)', () => {
    expect(checkTemplate(queue('      QueueName: !Sub "${AWS::StackName}-events"\n      MessageRetentionPeriod: [60]'))).toEqual([
      { line: 10, message: 'Events (AWS::SQS::Queue).MessageRetentionPeriod must be an integer, got [60]' },
    ]);
  });

  it('fails a missing required property with the line of its resource (a Lambda function needs Code and Role)', () => {
    const text = readFileSync('lambda-src/template.yaml', 'utf8').replace('      Role: !GetAtt FunctionRole.Arn\n', '');
    const line = text.split('\n').findIndex((l) => l.includes('FunctionName: !Ref AWS::StackName')) + 1;
    expect(checkTemplate(text)).toEqual([{ line: line - 1, message: 'Function (AWS::Lambda::Function) is missing the required property Role' }]);
  });

  it('fails a value outside the allowed ones, an unknown type, and functions that name nothing', () => {
    const text = `Resources:
  Fn:
    Type: AWS::Lambda::Function
    Properties:
      PackageType: Container
      Code: { ImageUri: !Ref Image }
      Role: !GetAtt Missing.Arn
  Topic:
    Type: AWS::SNS::Topics
Outputs:
  Name:
    Value: !Sub '\${Fn.Nope}-\${AWS::Region}'
  Arn:
    Value: !GetAtt Fn.Nope
`;
    expect(checkTemplate(text).map((i) => `${i.line}: ${i.message}`)).toEqual([
      '5: Fn (AWS::Lambda::Function).PackageType must be one of Image, Zip, got "Container"',
      '6: Ref "Image" names no parameter, resource or pseudo parameter of the template',
      '7: Fn::GetAtt ["Missing","Arn"] must name a resource of the template and an attribute',
      '9: Topic: AWS::SNS::Topics is not a CloudFormation resource type; did you mean AWS::SNS::Topic?',
      expect.stringMatching(/^14: Fn::GetAtt Fn\.Nope: AWS::Lambda::Function has no attribute Nope \(it has .*Arn/),
    ]);
  });

  it('reports a YAML error with its line, and reads parameters with their defaults and patterns', () => {
    expect(checkTemplate('Resources:\n  A: [\n')[0]!.line).toBeGreaterThan(1);
    expect(templateParameters(readFileSync('cfn-src/template.yaml', 'utf8'))).toMatchObject({ Stage: { hasDefault: false } });
    expect(templateParameters(readFileSync('lambda-src/template.yaml', 'utf8')).ImageUri!.allowedPattern).toMatch(/@sha256:\[0-9a-f\]\{64\}\$$/);
  });
});
