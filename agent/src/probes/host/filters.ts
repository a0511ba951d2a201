/**
 * Which filesystems and interfaces the host probe reports (pure). Patterns are globs: `*` any run
 * of characters (also `/`), `?` one character; matching ignores case (Windows drive letters and
 * adapter names are case-insensitive). An empty include list means "everything"; exclude wins.
 */

/** Pseudo, virtual, read-only-media and network filesystem types: not this host's disks. */
export const DEFAULT_EXCLUDE_FS_TYPES = [
  'tmpfs',
  'devtmpfs',
  'devfs',
  'ramfs',
  'rootfs',
  'squashfs',
  'overlay',
  'aufs',
  'proc',
  'sysfs',
  'cgroup',
  'cgroup2',
  'autofs',
  'debugfs',
  'tracefs',
  'securityfs',
  'pstore',
  'bpf',
  'configfs',
  'fusectl',
  'mqueue',
  'hugetlbfs',
  'nsfs',
  'efivarfs',
  'binfmt_misc',
  'devpts',
  'iso9660',
  'udf',
  'cdfs',
  'fuse.lxcfs',
  'fuse.gvfsd-fuse',
  'fuse.portal',
  'nfs',
  'nfs4',
  'cifs',
  'smb3',
  'smbfs',
  'fuse.sshfs',
] as const;

/** Mount points of the kernel, the runtime and container layers. */
export const DEFAULT_EXCLUDE_MOUNTS = [
  '/proc',
  '/proc/*',
  '/sys',
  '/sys/*',
  '/dev',
  '/dev/*',
  '/run',
  '/run/*',
  '/snap/*',
  '/var/lib/docker/*',
  '/var/lib/containers/*',
  '/var/lib/kubelet/*',
] as const;

/**
 * Container and VM plumbing. Loopback is not listed: it is dropped by its `internal` flag unless
 * an include pattern names it.
 */
export const DEFAULT_EXCLUDE_INTERFACES = ['docker*', 'veth*', 'br-*', 'virbr*', 'vnet*', 'cni*', 'flannel*', 'cali*'] as const;

export interface NameFilter {
  include: readonly string[];
  exclude: readonly string[];
}

export function globToRegExp(pattern: string): RegExp {
  let src = '';
  for (const ch of pattern) {
    if (ch === '*') src += '.*';
    else if (ch === '?') src += '.';
    else src += ch.replace(/[.+^${}()|[\]\\/-]/g, '\\$&');
  }
  return new RegExp(`^${src}$`, 'i');
}

/** Compiled once per check (patterns are config, validated at start-up). */
export interface CompiledFilter {
  /** True when the name passes include and exclude. */
  accepts(name: string): boolean;
  /** True when an include pattern other than a bare `*` matches it (lets a user opt loopback in). */
  explicitlyIncluded(name: string): boolean;
}

export function compileFilter(filter: NameFilter): CompiledFilter {
  const inc = filter.include.map(globToRegExp);
  const named = filter.include.filter((p) => p !== '*').map(globToRegExp);
  const exc = filter.exclude.map(globToRegExp);
  return {
    accepts: (name) => (inc.length === 0 || inc.some((r) => r.test(name))) && !exc.some((r) => r.test(name)),
    explicitlyIncluded: (name) => named.some((r) => r.test(name)),
  };
}
