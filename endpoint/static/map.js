/* The map of a resource page: draws the GeoJSON named by the map element's data-geojson with
 * the vendored Leaflet. Settings come from data-* attributes (no inline script: the page's
 * Content-Security-Policy forbids it):
 *   data-geojson      URL of the FeatureCollection (this site's /geo/...)
 *   data-tiles        tile URL template ({s}, {z}, {x}, {y}); empty: no background tiles
 *   data-attribution  the tiles' attribution (text, escaped before Leaflet shows it)
 *   data-lang         fr or en, for the few words this script writes
 * The shapes are drawn whether or not the tile server answers: tiles are only a background.
 * When done, the element gets data-state="drawn" and data-features="<number of features>";
 * on failure data-state="failed" and a message in the caption. */
(function () {
  "use strict";

  var WORDS = {
    fr: { drawn: function (n) { return n + (n > 1 ? " formes dessinées." : " forme dessinée."); },
          failed: "La carte n'a pas pu être dessinée ; le lien GeoJSON donne les données.",
          page: "Voir la page" },
    en: { drawn: function (n) { return n + (n > 1 ? " shapes drawn." : " shape drawn."); },
          failed: "The map could not be drawn; the GeoJSON link gives the data.",
          page: "See the page" }
  };

  var FRANCE = [46.6, 2.4];

  /* Leaflet writes attributions as HTML; the setting is text, so it is escaped first. */
  function escaped(text) {
    var box = document.createElement("span");
    box.textContent = text || "";
    return box.innerHTML;
  }

  function status(element, text) {
    var figure = element.closest("figure");
    var slot = figure ? figure.querySelector(".map-status") : null;
    if (slot) { slot.textContent = text; }
  }

  /* A popup built from DOM nodes (textContent), never from HTML strings: labels are data. */
  function popup(feature, words) {
    var props = feature.properties || {};
    var box = document.createElement("div");
    var title = document.createElement("strong");
    title.textContent = props.label || props.iri || "";
    box.appendChild(title);
    var method = props.method && (props.method[document.documentElement.lang] || props.method.fr);
    if (method) {
      box.appendChild(document.createElement("br"));
      var note = document.createElement("small");
      note.textContent = method;
      box.appendChild(note);
    }
    if (props.page) {
      box.appendChild(document.createElement("br"));
      var link = document.createElement("a");
      link.href = props.page;
      link.textContent = words.page;
      box.appendChild(link);
    }
    return box;
  }

  function draw(element) {
    var words = WORDS[element.dataset.lang] || WORDS.fr;
    var viewSet = false;
    var map = L.map(element, { scrollWheelZoom: false, attributionControl: true });
    var tiles = element.dataset.tiles;
    if (tiles) {
      L.tileLayer(tiles, { maxZoom: 18, attribution: escaped(element.dataset.attribution) }).addTo(map);
    }
    map.attributionControl.setPrefix(false);
    return fetch(element.dataset.geojson, { headers: { Accept: "application/geo+json" }, credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) { throw new Error("HTTP " + response.status); }
        return response.json();
      })
      .then(function (data) {
        var layer = L.geoJSON(data, {
          style: function (feature) {
            var role = feature.properties && feature.properties.role;
            if (role === "site") { return { color: "#b34700", weight: 2, fillOpacity: 0.8 }; }
            if (role === "commune") { return { color: "#555555", weight: 1, fillOpacity: 0.5 }; }
            return { color: "#000091", weight: 2, fillOpacity: 0.15 };
          },
          /* Points are communes' approximate locations (and sites drawn at them): small circles,
           * never pins that would claim an exact place. */
          pointToLayer: function (feature, latlng) {
            var role = feature.properties && feature.properties.role;
            return L.circleMarker(latlng, { radius: role === "site" ? 7 : 3 });
          },
          onEachFeature: function (feature, shape) {
            var props = feature.properties || {};
            if (props.label) {
              var tip = document.createElement("span");
              tip.textContent = props.label;
              shape.bindTooltip(tip, { sticky: true });
            }
            shape.bindPopup(popup(feature, words));
          }
        });
        var count = layer.getLayers().length;
        var bounds = layer.getBounds();
        if (bounds.isValid()) {
          map.fitBounds(bounds, { padding: [12, 12], maxZoom: 14 });
        } else {
          map.setView(FRANCE, 5);
        }
        viewSet = true;
        layer.addTo(map);
        element.dataset.features = String(count);
        element.dataset.state = "drawn";
        status(element, words.drawn(count));
      })
      .catch(function (error) {
        if (!viewSet) { map.setView(FRANCE, 5); }
        element.dataset.state = "failed";
        element.dataset.error = String(error && error.message || error);
        status(element, words.failed);
      });
  }

  function start() {
    var elements = document.querySelectorAll(".map[data-geojson]");
    for (var i = 0; i < elements.length; i += 1) {
      if (typeof L === "undefined") {
        elements[i].dataset.state = "failed";
        status(elements[i], (WORDS[elements[i].dataset.lang] || WORDS.fr).failed);
      } else {
        draw(elements[i]);
      }
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
}());
