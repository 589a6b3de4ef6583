// The board's panels, in page order. A new tile is a module exporting
// { id, titleKey, levels, render(el, ctx) } added to this list (see README.md here).
import { complaintsPanel } from "./complaints.js";
import { heatmapPanel } from "./heatmap.js";
import { kpiPanel } from "./kpis.js";
import { mapPanel } from "./map.js";
import { rankingPanel } from "./ranking.js";
import { alertsPanel } from "./alerts.js";
import { promotionsPanel } from "./promotions.js";
import { storesPanel } from "./stores.js";

export const PANELS = [kpiPanel, mapPanel, storesPanel, alertsPanel, complaintsPanel, promotionsPanel, rankingPanel, heatmapPanel];
