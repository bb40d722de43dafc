/**
 * Which URL stands for a Lambda function: `firehose.lambdaFunctions` maps function ARNs to URLs. An ARN with a
 * version or alias (`…:function:name:$LATEST`, `…:name:prod`) matches its own entry first, then the function's.
 */
export function lambdaFunctionUrl(lambdaArn: string, lambdaFunctions: Readonly<Record<string, string>>): string | null {
  const exact = lambdaFunctions[lambdaArn];
  if (exact !== undefined) return exact;
  // arn:partition:lambda:region:account:function:name[:qualifier]
  const parts = lambdaArn.split(":");
  if (parts.length !== 8) return null;
  return lambdaFunctions[parts.slice(0, 7).join(":")] ?? null;
}
