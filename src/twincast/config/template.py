"""The commented ``twincast.yaml`` that ``twincast config init`` writes.

Every key is present with its default, so the file documents itself; tests check that it
parses to exactly the built-in defaults and names every field of the models.
"""

from __future__ import annotations

TEMPLATE = """\
# twincast.yaml - one file for a show's parts (docs/configuration.md).
# Every command takes --config FILE; a flag given on the command line wins over this file.
# Secrets never go here: name an environment variable (api_key_env) or write ${VAR} in a URL.
# Relative paths start at this file's folder.

catalog: null                  # a catalog .yaml/.csv/.json; null = the sample shop

avatars:
  host:
    path: null                 # a .twin (`twincast avatar build PHOTO -o host.twin`); null = the demo host
    voices: null               # this avatar's own voices (same keys as `voices:` below); null = shared
  assistant:
    path: null                 # null = the demo assistant
    voices: null

voices:                        # one engine per language
  preset: null                 # female | male: shifts the local voices; null = the avatar's own
  zh:
    engine: zh-fastspeech      # piper (en only) | zh-fastspeech (zh only) | espeak | http
    precision: auto            # auto | fp32 | int8 | int4 (local models; docs/voice-engines.md)
    kind: null                 # http: openai | cosyvoice | gpt-sovits
    base_url: null             # http: e.g. http://127.0.0.1:50000
    model: null                # http openai: model (default tts-1)
    voice: null                # http openai: voice name; cosyvoice sft: speaker id (e.g. 中文女)
    reference_audio: null      # cosyvoice: a local 3-10 s WAV of the voice; gpt-sovits: its path ON the server
    reference_text: null       # the words said in reference_audio
    mode: null                 # cosyvoice: sft | zero_shot | cross_lingual | instruct | instruct2 (default from the above)
    sample_rate: null          # raw PCM replies: their rate (CosyVoice 1: 22050, CosyVoice 2: 24000)
    api_key_env: null          # http: NAME of the environment variable holding the API key
    timeout_s: 20.0            # http: one request's time limit
    deadline_s: 8.0            # http: a line not back by then is said by the local voice
    fallback: true             # http: the local voice says every line the server fails or is late for
    retry_s: 30.0              # http: after a failure, the local voice speaks this long before the server is asked again
  en:
    engine: piper
    precision: auto
    kind: null
    base_url: null
    model: null
    voice: null
    reference_audio: null
    reference_text: null
    mode: null
    sample_rate: null
    api_key_env: null
    timeout_s: 20.0
    deadline_s: 8.0
    fallback: true
    retry_s: 30.0

llm:                           # an OpenAI-compatible chat server (llama.cpp server, Ollama, vLLM); off when base_url is null
  base_url: null               # e.g. http://127.0.0.1:8080/v1
  model: local
  api_key_env: null            # NAME of the environment variable holding the key
  timeout_s: 8.0
  answers: true                # rephrase viewer answers (kept only when every claim is in the catalog)
  scripts: true                # rephrase script lines (same check, plus the ad-law filter)

stage:
  lang: zh                     # zh | en (show and live)
  size: 720x1280               # 720x1280 | 1080x1920
  cameras: [wide, host, product, pip]   # cameras the director may cut to; others become the first listed
  layout:
    subtitles: true
    ai_label: true             # the visible AI label: legally required where you publish, keep it on
    dir: null                  # a folder of layout YAMLs per camera (9x16/, 16x9/) replacing the bundled ones
  relight: null                # none | soft | warm | studio; null = the avatar's own
  emotion: warm                # neutral | warm | excited (docs/expression.md)
  rooms: {}                    # per avatar, studio | own: {host: own} = the host's own footage/photo is the set

outputs:
  rtmp: []                     # push URLs, key from the environment: ["rtmp://live-push.example.com/live/${STREAM_KEY}"]
  recording_dir: out/live      # the live recording (fragmented MP4)
  encoder: null                # x264 preset: ultrafast | superfast | veryfast; null = superfast (ultrafast: rooms packed two to a 2-core node)
  viewer_bind: 127.0.0.1       # the viewer page and console; 127.0.0.1 keeps them on this machine
  viewer_port: 8800

comments:                      # platform comment sources (docs/comments.md)
  sources: []                  # e.g. - {kind: twitch, channel: mychannel}; credentials come from the environment
"""
