"""Emotion presets: how much a host smiles, raises the brows, nods, moves and looks around.

One typed preset per mood instead of loose numbers, so a show can say ``warm`` and every stage
of the driving chain (stress -> brows, phrase ends -> nods, positive words -> smiles, gaze,
head motion, blinks) reads its amounts from the same place. The values are engineering
choices inside the ranges reported for presenters: brow raises on a third to two thirds of the
pitch accents, nods of 2-5 degrees at phrase ends, glances away a fifth to a third of the time
(gaze aversion while thinking), 15-30 blinks a minute while talking.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..errors import TwincastError


@dataclass(frozen=True)
class Emotion:
    name: str
    smile_base: float  # resting smile (rig control, 0..1)
    smile_peak: float  # extra smile on positive/selling words and at sentence ends
    brow: float  # brow raise on a stressed word (rig control at full prominence)
    brow_share: float  # share of stressed words that get a brow raise (not every accent)
    nod_deg: float  # head nod at the end of a statement (pitch, degrees)
    beat_deg: float  # small head beat on stressed words (pitch, degrees)
    head_deg: tuple[float, float, float]  # idle yaw, pitch, roll sway amplitude (degrees)
    head_spacing_s: float  # knot spacing of the idle head noise: smaller = livelier
    speech_motion: float  # idle sway grows by this factor while speaking loudly
    gaze_camera_s: float  # median time looking at the camera before glancing away
    gaze_away_s: float  # median length of a glance away
    gaze_away: float  # how far glances go (gaze control, 0..1; 1 is about 20 degrees)
    blink_interval: tuple[float, float]  # seconds between blinks, uniform in this range
    turn_deg: float  # head turn toward the product/partner on "this one, look"
    tilt_deg: float  # head tilt (roll) on questions

    def describe(self) -> str:
        return (f"{self.name}: smile {self.smile_base:.2f}+{self.smile_peak:.2f}, brows {self.brow:.2f} on "
                f"{self.brow_share:.0%} of stresses, nods {self.nod_deg:.1f} deg, blinks every "
                f"{self.blink_interval[0]:.1f}-{self.blink_interval[1]:.1f} s")


NEUTRAL = Emotion("neutral", smile_base=0.04, smile_peak=0.10, brow=0.28, brow_share=0.35, nod_deg=2.0,
                  beat_deg=0.6, head_deg=(1.4, 0.8, 0.7), head_spacing_s=3.2, speech_motion=0.3,
                  gaze_camera_s=3.2, gaze_away_s=0.6, gaze_away=0.40, blink_interval=(2.2, 6.5),
                  turn_deg=5.0, tilt_deg=3.0)
WARM = Emotion("warm", smile_base=0.12, smile_peak=0.20, brow=0.38, brow_share=0.5, nod_deg=3.0,
               beat_deg=0.9, head_deg=(1.8, 1.0, 0.9), head_spacing_s=2.6, speech_motion=0.5,
               gaze_camera_s=2.6, gaze_away_s=0.7, gaze_away=0.50, blink_interval=(2.0, 6.0),
               turn_deg=7.0, tilt_deg=4.0)
EXCITED = Emotion("excited", smile_base=0.20, smile_peak=0.28, brow=0.5, brow_share=0.65, nod_deg=4.0,
                  beat_deg=1.4, head_deg=(2.4, 1.3, 1.2), head_spacing_s=1.9, speech_motion=0.8,
                  gaze_camera_s=2.2, gaze_away_s=0.6, gaze_away=0.55, blink_interval=(1.6, 5.0),
                  turn_deg=9.0, tilt_deg=5.0)

EMOTIONS: dict[str, Emotion] = {e.name: e for e in (NEUTRAL, WARM, EXCITED)}
DEFAULT_EMOTION = "warm"  # a sales host: friendly without shouting


def emotion_named(name: str | Emotion) -> Emotion:
    """The preset called ``name`` (an :class:`Emotion` passes through)."""
    if isinstance(name, Emotion):
        return name
    try:
        return EMOTIONS[name]
    except KeyError:
        raise TwincastError(f"unknown emotion {name!r}",
                            f"use one of: {', '.join(EMOTIONS)} (e.g. --emotion warm)") from None
