// The NAME argument of profile show|set|remove, checked by the rule that -p follows.
export async function profileArgument(name: string): Promise<string> {
  const { checkProfileName } = await import('../../../store/paths.js');
  return checkProfileName(name, 'the command line');
}
