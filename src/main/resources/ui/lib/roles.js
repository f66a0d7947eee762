// What the signed-in role may see and do, mirroring the admin API's access rules (the API
// enforces them; the console only leaves out what would be refused).
export function can(me, what) {
  const r = new Set(me.roles || []);
  const org = r.has('owner') || r.has('admin');
  switch (what) {
    case 'org': return org;
    case 'teams.create': return org;
    case 'team.read': return org || r.has('team-admin') || r.has('auditor');
    case 'team.write': return org || r.has('team-admin');
    case 'audit': return org || r.has('auditor');
    case 'write': return !r.has('auditor') || org;
    case 'all.teams': return org || r.has('auditor');
    default: return false;
  }
}

export function roleName(me) {
  const order = ['owner', 'admin', 'auditor', 'team-admin', 'member'];
  return order.find(r => (me.roles || []).includes(r)) || 'member';
}
