// Kubernetes object names derived from profile names.

/** A DNS-1123 label derived from a profile name ("My_App.v2" -> "my-app-v2"). */
export function k8sName(name: string): string {
  return (
    name
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, 63)
      .replace(/-+$/, '') || 'app'
  );
}
