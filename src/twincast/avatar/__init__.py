"""Avatar building: a photo (or video) becomes a ``.twin`` file the renderer can animate."""
