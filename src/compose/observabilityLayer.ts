import { Layer, Metric } from "effect"
import * as OtlpExport from "../adapters/otlp/OtlpExport.ts"

/**
 * The app's own metric registry (so two apps in one process, or the application's own metrics, never mix
 * with authfx's counters), and the OTLP exporters only when `observability` is configured: without it,
 * nothing is sent and no exporter fiber runs.
 */
export const observabilityLayer = (options: OtlpExport.ObservabilityOptions | undefined) => {
  const registry = Layer.sync(Metric.MetricRegistry, () => new Map())
  return options === undefined ? registry : OtlpExport.layer(options).pipe(Layer.provideMerge(registry))
}
