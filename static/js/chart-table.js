// Draws a Chart.js chart above each `figure[data-chart]` from the table inside it
// (templates/macros/charts.html). The table stays: it is the accessible form of the chart.
const figures = document.querySelectorAll("figure[data-chart]");
const PALETTE = ["#0b5cad", "#c2410c", "#1d6b36", "#7e22ce", "#b3261e", "#0e7490", "#8a5300", "#4d5562"];

function loadChartJs() {
  if (window.Chart) return Promise.resolve(window.Chart);
  const here = new URL(import.meta.url);
  return new Promise((resolve, reject) => {
    const script = document.createElement("script");
    script.src = new URL("../vendor/chart.js/chart.umd.min.js", here).href;
    script.onload = () => resolve(window.Chart);
    script.onerror = reject;
    document.head.append(script);
  });
}

function readTable(table) {
  const series = [...table.tHead.rows[0].cells].slice(1).map((cell) => cell.textContent.trim());
  const rows = [...table.tBodies[0].rows];
  const labels = rows.map((row) => row.cells[0].textContent.trim());
  const datasets = series.map((label, index) => ({
    label,
    data: rows.map((row) => Number(row.cells[index + 1].dataset.value)),
  }));
  return { labels, datasets };
}

// Numbers with the page's own marks (from Babel): en-US grouping, then its marks swapped in.
function numberFormat({ group, decimal }) {
  const plain = new Intl.NumberFormat("en-US", { maximumFractionDigits: 2 });
  return (value) => plain.format(value).replace(/[,.]/g, (mark) => (mark === "," ? group : decimal));
}

function draw(Chart, figure) {
  const kind = figure.dataset.chart;
  const { labels, datasets } = readTable(figure.querySelector("table"));
  const round = kind === "pie" || kind === "doughnut";
  datasets.forEach((set, index) => {
    const colour = PALETTE[index % PALETTE.length];
    set.backgroundColor = round ? labels.map((_, i) => PALETTE[i % PALETTE.length]) : colour;
    set.borderColor = colour;
  });
  const stacked = "stacked" in figure.dataset;
  const format = numberFormat(figure.dataset);
  const axis = { stacked, beginAtZero: true, ticks: { callback: (value) => format(value) } };
  const holder = figure.querySelector(".chart-canvas");
  holder.hidden = false;
  new Chart(holder.querySelector("canvas"), {
    type: kind,
    data: { labels, datasets },
    options: {
      maintainAspectRatio: false,
      animation: false,
      locale: document.documentElement.lang,
      plugins: {
        legend: { display: datasets.length > 1 || round },
        tooltip: { callbacks: { label: (item) => `${item.dataset.label}: ${format(item.raw)}` } },
      },
      scales: round ? {} : { x: { stacked }, y: axis },
    },
  });
}

if (figures.length) {
  loadChartJs()
    .then((Chart) => {
      Chart.defaults.font.family = getComputedStyle(document.body).fontFamily;
      figures.forEach((figure) => draw(Chart, figure));
    })
    .catch(() => {}); // without Chart.js the tables say it all
}
