import type { Camera } from './api';

/**
 * Where a camera looks and where the matter lies, drawn small: the cone is the field of view (heading ±
 * fov/2, north up), the dot is the matter's direction from the camera. Green when the matter is in view,
 * grey when not, dashed when the camera does not say where it looks.
 */
export function FovIcon({ camera, size = 36 }: { camera: Camera; size?: number }) {
  const r = size / 2 - 2;
  const c = size / 2;
  const at = (deg: number, len: number) => {
    const a = ((deg - 90) * Math.PI) / 180;
    return [c + len * Math.cos(a), c + len * Math.sin(a)] as const;
  };
  const known = camera.heading !== null && camera.fov !== null;
  const colour = camera.inView ? '#16a34a' : '#94a3b8';
  let cone: string | null = null;
  if (known) {
    const half = Math.min(camera.fov!, 359.9) / 2;
    const [x1, y1] = at(camera.heading! - half, r);
    const [x2, y2] = at(camera.heading! + half, r);
    const large = half * 2 > 180 ? 1 : 0;
    cone = `M ${c} ${c} L ${x1} ${y1} A ${r} ${r} 0 ${large} 1 ${x2} ${y2} Z`;
  }
  const [mx, my] = at(camera.bearingDeg, r - 3);
  return (
    <svg width={size} height={size} viewBox={`0 0 ${size} ${size}`} aria-hidden="true">
      <circle cx={c} cy={c} r={r} fill="none" stroke="#cbd5e1" strokeDasharray={known ? undefined : '3 2'} />
      {cone && <path d={cone} fill={colour} fillOpacity={0.35} stroke={colour} />}
      <line x1={c} y1={c} x2={mx} y2={my} stroke="#dc2626" strokeWidth={1} strokeDasharray="2 2" />
      <circle cx={mx} cy={my} r={3} fill="#dc2626" />
      <circle cx={c} cy={c} r={2.5} fill="#0f172a" />
    </svg>
  );
}
