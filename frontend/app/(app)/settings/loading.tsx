export default function SettingsLoading() {
  return (
    <div role="status" aria-label="Loading settings" className="grid gap-4">
      {[0, 1, 2].map((i) => (
        <div key={i} className="h-40 animate-pulse rounded-xl border bg-card" />
      ))}
    </div>
  );
}
