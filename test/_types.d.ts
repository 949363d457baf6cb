// Declarations for test-only packages that ship no types.

declare module "parse-prometheus-text-format" {
  /** One metric family of the text exposition format. */
  interface MetricFamily {
    readonly name: string;
    readonly help: string;
    readonly type: "COUNTER" | "GAUGE" | "SUMMARY" | "HISTOGRAM" | "UNTYPED";
    readonly metrics: readonly { readonly value: string; readonly labels?: Readonly<Record<string, string>> }[];
  }
  /** Parses the Prometheus text format (a port of the Python client's parser). */
  export default function parsePrometheusTextFormat(text: string): MetricFamily[];
}
