// The report page's chart: bars of counts and a line of a rate on the right axis, drawn
// with the vendored ECharts from the JSON the page carries in #report-data.
(function () {
  'use strict';
  var holder = document.getElementById('report-chart');
  var source = document.getElementById('report-data');
  if (!holder || !source || typeof echarts === 'undefined') { return; }
  var data = JSON.parse(source.textContent || '{}');
  var labels = data.labels || [];
  if (labels.length === 0) { holder.hidden = true; return; }
  var series = [];
  Object.keys(data.bars || {}).forEach(function (name) {
    series.push({ name: name, type: 'bar', yAxisIndex: 0, data: data.bars[name] });
  });
  Object.keys(data.line || {}).forEach(function (name) {
    series.push({
      name: name, type: 'line', yAxisIndex: 1, connectNulls: false,
      data: data.line[name].map(function (v) { return v === null ? null : Math.round(v * 10) / 10; })
    });
  });
  var chart = echarts.init(holder);
  chart.setOption({
    animation: false,
    tooltip: { trigger: 'axis' },
    legend: { top: 0 },
    grid: { left: 48, right: 48, top: 36, bottom: 56 },
    xAxis: { type: 'category', data: labels, axisLabel: { rotate: labels.length > 12 ? 45 : 0 } },
    yAxis: [
      { type: 'value', minInterval: 1 },
      { type: 'value', min: 0, axisLabel: { formatter: '{value}%' } }
    ],
    series: series
  });
  window.addEventListener('resize', function () { chart.resize(); });
}());
