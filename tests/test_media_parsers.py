"""The media parsers on real ffmpeg output (fixtures/media, made by fixtures/make_media.sh)
and on damaged bytes: measurements agree with ffprobe's, damage is a problem, never a crash.
"""

from __future__ import annotations

import contextlib
import json
import random
from pathlib import Path

import pytest

from hlsinspect.checks.probe_examples import SPS_160X90
from hlsinspect.media import fmp4_probe, ts, ts_probe
from hlsinspect.media.audio import frames_samples
from hlsinspect.media.bits import BitReader, MediaError
from hlsinspect.media.bmff import Track, init_tracks
from hlsinspect.media.nal import rbsp, skipped_leading
from hlsinspect.media.result import Probed
from hlsinspect.media.segment import HEAD, TAIL, expected_containers, probe_segment, sniff
from hlsinspect.media.sps import h264_sps
from hlsinspect.media.webvtt import header

MEDIA = Path(__file__).resolve().parent.parent / "fixtures" / "media"
RECORDED = json.loads((MEDIA / "probe.json").read_text())
FRAME = {"video": 1 / 25, "audio": 1024 / 48000}


def probe_file(name: str, data: bytes | None = None) -> Probed:
    path = MEDIA / name
    data = path.read_bytes() if data is None else data
    tracks = init_tracks((path.parent / "init.mp4").read_bytes()) if name.endswith(".m4s") \
        else None
    return probe_segment(lambda offset, length: data[offset:offset + length], len(data),
                         expected_containers(name, name.endswith(".m4s")), tracks)


@pytest.mark.parametrize("name", sorted(RECORDED))
def test_durations_agree_with_ffprobe_within_one_frame(name: str):
    stream = RECORDED[name]["streams"][0]
    found = probe_file(name)
    assert found.problems == ()
    assert found.duration == pytest.approx(stream["segment_duration"],
                                           abs=FRAME[stream["codec_type"]])


@pytest.mark.parametrize(("name", "codecs", "resolution"), [
    pytest.param("ts-h264/v/seg0.ts", ("avc1.4D401E", "mp4a.40.2"), (160, 90), id="ts-h264"),
    pytest.param("fmp4-h264/v/seg1.m4s", ("avc1.4D401E", "mp4a.40.2"), (160, 90), id="fmp4-h264"),
    pytest.param("fmp4-h265/v/seg2.m4s", ("hvc1.1.6.L30.90", "mp4a.40.2"), (160, 90),
                 id="fmp4-h265"),
    pytest.param("ts-h265/v/seg1.ts", ("hvc1.1.6.L30.90", "mp4a.40.2"), (160, 90), id="ts-h265"),
    pytest.param("ts-audio/a/seg1.aac", ("mp4a.40.2",), None, id="packed-audio"),
    pytest.param("ts-mp3/a/seg0.ts", ("mp3",), None, id="ts-mp3"),
    pytest.param("ts-ac3/a/seg0.ts", ("ac3",), None, id="ts-ac3"),
    pytest.param("ts-eac3/a/seg0.ts", ("ec3",), None, id="ts-eac3"),
])
def test_codecs_and_resolution_from_the_parameter_sets(name, codecs, resolution):
    found = probe_file(name)
    assert (found.codecs, found.resolution) == (codecs, resolution)


def test_keyframes_and_starts_follow_the_media_clock():
    starts = [probe_file(f"ts-h264/v/seg{n}.ts").start for n in range(3)]
    assert starts == pytest.approx([1.48, 3.48, 5.48])
    assert [probe_file(f"ts-midgop/v/seg{n}.ts").keyframe for n in range(3)] == \
        [True, False, True]
    for opengop in ("ts-opengop/v/seg{}.ts", "fmp4-opengop/v/seg{}.m4s"):
        found = [probe_file(opengop.format(n)) for n in range(3)]  # a CRA, then RASL pictures
        assert [(f.keyframe, f.idr) for f in found] == [(True, True), (False, False),
                                                        (False, False)]
    # presented, as MPEG-TS PTS are: tfdt plus the first picture's composition offset
    assert [probe_file(f"fmp4-h265/v/seg{n}.m4s").start for n in range(3)] == \
        pytest.approx([0.08, 2.08, 4.08])
    assert [probe_file(f"fmp4-h264/v/seg{n}.m4s").start for n in range(3)] == \
        pytest.approx([RECORDED[f"fmp4-h264/v/seg{n}.m4s"]["streams"][0]["start_time"]
                       for n in range(3)])
    assert probe_file("ts-audio/a/seg1.aac").start == pytest.approx(3.4)


def test_only_the_head_and_tail_are_read():
    path = MEDIA / "ts-h264" / "v" / "seg0.ts"
    data = path.read_bytes() * 20
    data = data[:len(data) - len(data) % 188]
    found = probe_segment(lambda o, n: data[o:o + n], len(data), ("ts",))
    assert found.bytes_read == HEAD + TAIL < len(data) / 5


@pytest.mark.parametrize(("name", "damage", "kind", "says"), [
    pytest.param("ts-h264/v/seg1.ts", lambda b: random.Random(1).randbytes(len(b)),
                 "not-media", "first bytes", id="random-bytes"),
    pytest.param("ts-h264/v/seg1.ts",
                 lambda b: b"<!DOCTYPE html><html><body>404 Not Found</body></html>",
                 "not-media", "HTML", id="html-page"),
    pytest.param("ts-h264/v/seg1.ts", lambda b: b[:len(b) // 2 + 100], "truncated", "188",
                 id="ts-truncated"),
    pytest.param("fmp4-h264/v/seg1.m4s", lambda b: b[:len(b) // 2], "truncated", "mdat",
                 id="fmp4-truncated"),
    pytest.param("ts-audio/a/seg1.aac", lambda b: b[:len(b) - 50], "truncated", "ADTS",
                 id="adts-truncated"),
    pytest.param("ts-audio/a/seg1.aac", lambda b: b[b.index(b"\xff\xf1"):],
                 "timestamp-missing", "PRIV", id="adts-without-id3"),
    pytest.param("ts-h264/subs/sub1.vtt", lambda b: b.replace(b"X-TIMESTAMP-MAP", b"X-OTHER"),
                 "timestamp-missing", "X-TIMESTAMP-MAP", id="webvtt-without-map"),
    pytest.param("fmp4-h264/v/seg1.m4s", lambda b: (MEDIA / "ts-h264/v/seg1.ts").read_bytes(),
                 "not-media", "holds MPEG-TS, not fMP4", id="ts-where-fmp4-belongs"),
])
def test_damage_is_a_problem_of_its_own_kind(name, damage, kind, says):
    found = probe_file(name, damage((MEDIA / name).read_bytes()))
    assert [p.kind for p in found.problems] == [kind]
    assert says in found.problems[0].message


def test_mutated_segments_never_crash_the_parsers():
    rng = random.Random(9)
    names = [*sorted(RECORDED), "ts-h264/subs/sub0.vtt"]
    for attempt in range(400):
        name = names[attempt % len(names)]
        data = bytearray((MEDIA / name).read_bytes())
        for _ in range(rng.randint(1, 40)):
            data[rng.randrange(len(data))] = rng.randrange(256)
        cut = bytes(data[:rng.randint(0, len(data))]) if attempt % 3 == 0 else bytes(data)
        assert isinstance(probe_file(name, cut), Probed)


def test_a_cut_init_segment_is_damage():
    with pytest.raises(MediaError, match="moov"):
        init_tracks((MEDIA / "fmp4-h264/v/init.mp4").read_bytes()[:300])


@pytest.mark.parametrize(("head", "found"), [
    pytest.param(b"\x47" + b"\0" * 187 + b"\x47", "ts", id="ts"),
    pytest.param(b"\0\0\0\x18styp", "fmp4", id="fmp4"),
    pytest.param(b"\xef\xbb\xbfWEBVTT\n", "webvtt", id="webvtt-bom"),
    pytest.param(b"WEBVTTX", None, id="webvtt-lookalike"),
    pytest.param(b"\x0b\x77\x01\x02", "audio", id="ac3"),
    pytest.param(b"\xff\xfb\x90\x00", "audio", id="mp3"),
    pytest.param(b"  <html>", "html", id="html"),
    pytest.param(b'{"error": 1}', "json", id="json"),
])
def test_sniffing_the_first_bytes(head: bytes, found: str | None):
    assert sniff(head) == found


def test_bit_reader_codes_and_bounds():
    bits = BitReader(bytes([0b10100110, 0b01000000]))  # ue 0, ue 1, ue 2, se(3) = 2
    assert [bits.ue(), bits.ue(), bits.ue(), bits.se()] == [0, 1, 2, 2]
    with pytest.raises(MediaError):
        BitReader(b"\0\0\0\0\0").ue()
    assert rbsp(b"\x00\x00\x03\x01\x00\x00\x03") == b"\x00\x00\x01\x00\x00"
    assert header(b"WEBVTT\nX-TIMESTAMP-MAP=LOCAL:00:00:00.000,MPEGTS:900\n\n1").mpegts == 900


@pytest.mark.parametrize("name", [n for n in sorted(RECORDED) if n.endswith(".ts")
                                  and n != "ts-midgop/v/seg1.ts"
                                  and RECORDED[n]["streams"][0]["codec_type"] == "video"])
def test_a_short_head_and_tail_of_real_ts_measure_the_same(name: str):
    """B-frames (libx264's default) reorder pictures: a tail grown to one PES start, with the
    stream's reordering delay, still finds the last picture presented. (Not after a segment
    that starts mid-GOP, whose first picture does not give that delay: a frame may be
    missed there, and the segment is a finding anyway.)"""
    data = (MEDIA / name).read_bytes()
    reads: list[tuple[int, int]] = []

    def read(offset: int, length: int) -> bytes:
        reads.append((offset, length))
        return data[offset:offset + length]

    found = ts_probe.probe(read, len(data), data[:188 * 8], 188)
    recorded = RECORDED[name]["streams"][0]["segment_duration"]
    assert found.duration == pytest.approx(recorded, abs=FRAME["video"])
    assert "mp4a.40.2" in found.codecs  # an ADTS header of the tail's audio, if not the head's
    assert sum(length for _, length in reads) < len(data) / 2


def test_the_last_picture_presented_is_found_after_a_b_frame():
    """Decode order I P B B B P B B: the tail's only PES is a B-frame (PTS 8), yet the last
    picture presented is the P before it (PTS 9 = its DTS 7 + the delay 2 of the IDR)."""
    frame = 3600
    head, tail = ts.Packets(streams={1: 0x1B}), ts.Packets(streams={1: 0x1B})
    head.pts[1] = [p * frame for p in (2, 6, 3, 4)]
    head.dts[1] = [d * frame for d in (0, 1, 2, 3)]
    tail.pts[1], tail.dts[1] = [8 * frame], [7 * frame]
    start, duration = ts_probe._timing(head, tail, 1, closed=True)
    assert (start, duration) == (2 * frame / 90_000, 8 * frame / 90_000)


@pytest.mark.parametrize(("segment", "frames"), [
    pytest.param("seg000.ts", 44, id="seg000"), pytest.param("seg001.ts", 43, id="seg001"),
    pytest.param("seg003.ts", 42, id="seg003")])
def test_audio_only_ts_ends_with_the_frames_of_its_last_pes(segment: str, frames: int):
    """ffmpeg packs several AAC frames into one PES: the last PES's frames (counted by
    ffprobe -count_packets: 44, 43, 42 at 22,050 Hz) end the segment, not one PES step."""
    path = MEDIA.parent / "titles" / "ts-ladder" / "stream_2" / segment
    data = path.read_bytes()
    found = probe_segment(lambda o, n: data[o:o + n], len(data), ("ts",))
    assert found.duration == pytest.approx(frames * 1024 / 22050, abs=1 / 90_000)  # one tick


def test_mutated_init_segments_are_damage_never_a_crash():
    rng = random.Random(11)
    for attempt in range(300):
        data = bytearray((MEDIA / ("fmp4-h264", "fmp4-h265")[attempt % 2] / "v/init.mp4")
                         .read_bytes())
        for _ in range(rng.randint(1, 20)):
            data[rng.randrange(len(data))] = rng.randrange(256)
        with contextlib.suppress(MediaError):  # damage is MediaError, nothing else
            init_tracks(bytes(data[:rng.randint(0, len(data))] if attempt % 3 else data))


def test_an_fmp4_segment_of_several_fragments_is_walked_past_each_mdat():
    """Two fragments in one segment (seg0 then seg1): each moof is read after skipping the
    mdat before it, so the bytes read are the box headers and moofs, not the media."""
    path = MEDIA / "fmp4-h264" / "v"
    data = (path / "seg0.m4s").read_bytes() + (path / "seg1.m4s").read_bytes()
    tracks = init_tracks((path / "init.mp4").read_bytes())
    reads: list[int] = []

    def read(offset: int, length: int) -> bytes:
        reads.append(len(data[offset:offset + length]))
        return data[offset:offset + length]

    found = fmp4_probe.probe(read, len(data), data[:64], tracks)
    assert (found.start, found.duration, found.keyframe) == (0.08, 4.0, True)
    assert sum(reads) < len(data) / 4
    truncated = fmp4_probe.probe(read, len(data) - 10, data[:64], tracks)
    assert [p.kind for p in truncated.problems] == ["truncated"]


def test_the_frame_step_comes_from_the_sps_when_one_pes_is_all_there_is():
    """A head of one big IDR and a tail of one picture: no two DTS of one stretch, so the
    frame is the SPS's VUI timing (libx264 writes 2 x 1/50 s at 25 fps)."""
    assert h264_sps(SPS_160X90).frame == pytest.approx(0.04)
    head, tail = ts.Packets(streams={1: 0x1B}), ts.Packets(streams={1: 0x1B})
    head.pts[1], head.dts[1] = [7200], [0]
    tail.pts[1], tail.dts[1] = [183600], [176400]
    assert ts_probe._timing(head, tail, 1, closed=True, frame=3600)[1] == pytest.approx(2.0)
    assert ts_probe._timing(head, tail, 1, closed=True)[1] == pytest.approx(1.96)


def test_packed_ac3_is_timed_by_its_id3_tag_not_read_as_adts():
    tag = (MEDIA / "ts-audio/a/seg1.aac").read_bytes()
    tag = tag[:tag.index(b"\xff\xf1")]
    data = tag + b"\x0b\x77" + bytes(2000)
    found = probe_segment(lambda o, n: data[o:o + n], len(data),
                          expected_containers("a.ac3", False))
    assert (found.container, found.start, found.problems) == ("audio", pytest.approx(3.4), ())


def with_pmt_stream(data: bytes, stream_type: int, descriptors: bytes = b"") -> bytes:
    """`data` (ffmpeg's MPEG-TS) with one more stream, on PID 0x1FF, in each PMT: its
    section grown by the entry and its CRC written again."""
    def crc32_mpeg(section: bytes) -> int:
        crc = 0xFFFFFFFF
        for byte in section:
            crc ^= byte << 24
            for _ in range(8):
                crc = (crc << 1) ^ 0x104C11DB7 if crc & 0x80000000 else crc << 1
        return crc & 0xFFFFFFFF

    out = bytearray(data)
    entry = bytes([stream_type, 0xE1, 0xFF, 0xF0 | len(descriptors) >> 8,
                   len(descriptors) & 0xFF]) + descriptors
    for at in range(0, len(out), 188):
        packet = out[at:at + 188]
        pid = ((packet[1] & 0x1F) << 8) | packet[2]
        if pid != 0x1000 or not packet[1] & 0x40:
            continue
        begin = 5 + packet[4]
        length = ((packet[begin + 1] & 0x0F) << 8) | packet[begin + 2]
        body = bytes(packet[begin:begin + 3 + length - 4]) + entry
        size = len(body) + 4 - 3
        body = body[:1] + bytes([0xB0 | size >> 8, size & 0xFF]) + body[3:]
        section = body + crc32_mpeg(body).to_bytes(4, "big")
        packet[begin:begin + len(section)] = section
        out[at:at + 188] = packet[:188]
    return bytes(out)


@pytest.mark.parametrize(("stream_type", "descriptors", "extra"), [
    pytest.param(0x86, b"", (), id="scte35"),
    pytest.param(0x15, b"", (), id="id3-metadata"),
    pytest.param(0x06, bytes([0x59, 8]) + b"eng\x10\x00\x01\x00\x01", (), id="dvb-subtitles"),
    pytest.param(0x06, bytes([0x56, 5]) + b"eng\x09\x00", (), id="teletext"),
    pytest.param(0x06, b"", (), id="private-data"),
    pytest.param(0xC0, b"", (), id="other-private-type"),
    pytest.param(0x06, bytes([0x6A, 1, 0]), ("ac3",), id="dvb-ac3"),
    pytest.param(0x06, bytes([0x7A, 1, 0]), ("ec3",), id="dvb-eac3"),
    pytest.param(0x06, bytes([0x05, 4]) + b"AC-3", ("ac3",), id="registered-ac3"),
])
def test_data_streams_of_the_pmt_are_no_codecs(stream_type: int, descriptors: bytes,
                                               extra: tuple[str, ...]):
    data = with_pmt_stream((MEDIA / "ts-h264/v/seg0.ts").read_bytes(), stream_type,
                           descriptors)
    found = probe_segment(lambda o, n: data[o:o + n], len(data), ("ts",))
    assert found.problems == ()
    assert found.codecs == ("avc1.4D401E", "mp4a.40.2", *extra)


def _mpeg_audio(version: int, layer: int, kbps_index: int, rate_index: int, size: int
                ) -> bytes:
    header = bytes([0xFF, 0xE0 | version << 3 | layer << 1 | 1, kbps_index << 4 | rate_index << 2,
                    0xC0])
    return header + bytes(size - 4)


def _eac3(blocks_code: int, fscod: int = 0, dependent: bool = False) -> bytes:
    words = 99  # 200 bytes a frame
    head = bytes([0x0B, 0x77, (0x40 if dependent else 0) | words >> 8, words & 0xFF,
                  fscod << 6 | blocks_code << 4, 16 << 3])
    return head + bytes(200 - len(head))


@pytest.mark.parametrize(("payload", "expected"), [
    pytest.param(_mpeg_audio(3, 1, 9, 1, 384) * 3, (3 * 1152, 48000), id="mp3-mpeg1"),
    pytest.param(_mpeg_audio(2, 1, 8, 1, 192) * 2, (2 * 576, 24000), id="mp3-mpeg2"),
    pytest.param(_mpeg_audio(0, 1, 8, 2, 576) * 2, (2 * 576, 8000), id="mp3-mpeg2.5"),
    pytest.param(_mpeg_audio(3, 2, 8, 1, 384) * 2, (2 * 1152, 48000), id="mp2"),
    pytest.param(_mpeg_audio(3, 3, 8, 1, 256) * 5, (5 * 384, 48000), id="mp1"),
    pytest.param(_eac3(0) * 4, (4 * 256, 48000), id="eac3-one-block"),
    pytest.param(_eac3(2) * 4, (4 * 768, 48000), id="eac3-three-blocks"),
    pytest.param(_eac3(3, fscod=1) * 2, (2 * 1536, 44100), id="eac3-six-blocks-44k"),
    pytest.param((_eac3(3) + _eac3(3, dependent=True)) * 2, (2 * 1536, 48000),
                 id="eac3-dependent-substream-adds-no-time"),
    pytest.param(bytes([0x0B, 0x77, 0, 0, 0x40 | 16, 8 << 3, 0]) + bytes(278 * 2 - 7),
                 (1536, 44100), id="ac3-44k-128kbps"),
])
def test_audio_frames_are_counted_from_their_headers(payload: bytes,
                                                     expected: tuple[int, int]):
    assert frames_samples(payload) == expected


@pytest.mark.parametrize(("pictures", "verdict"), [
    pytest.param([9, 8, 1], True, id="rasl"),
    pytest.param([7, 6, 9], True, id="radl-then-rasl"),
    pytest.param([7, 1, 9], False, id="a-trailing-picture-ends-the-leading-ones"),
    pytest.param([1, 0], False, id="no-leading-picture"),
    pytest.param([6], None, id="only-radl-so-far"),
    pytest.param([], None, id="nothing-after-the-cra"),
])
def test_rasl_pictures_after_an_open_irap(pictures: list[int], verdict: bool | None):
    assert skipped_leading(pictures) is verdict


def test_a_big_cra_is_read_past_the_head_for_its_leading_pictures():
    data = (MEDIA / "ts-opengop/v/seg1.ts").read_bytes()
    found = ts_probe.probe(lambda o, n: data[o:o + n], len(data), data[:188 * 4], 188)
    assert found.keyframe is False


def _box(kind: bytes, body: bytes) -> bytes:
    return (8 + len(body)).to_bytes(4, "big") + kind + body


def _full(kind: bytes, version: int, flags: int, body: bytes) -> bytes:
    return _box(kind, bytes([version]) + flags.to_bytes(3, "big") + body)


def _fragment(durations: list[int] | None, offsets: list[int], tfhd_duration: int | None,
              version: int = 1) -> bytes:
    """A moof of one video track (timescale 1000, tfdt 1000) of three samples, and its
    mdat: durations in the trun when given, a default in the tfhd when given."""
    tfhd = _full(b"tfhd", 0, 0x20000 | (0x8 if tfhd_duration else 0),
                 (1).to_bytes(4, "big") + (tfhd_duration or 0).to_bytes(4, "big")
                 [:4 if tfhd_duration else 0])
    flags = 0x1 | 0x4 | 0x800 | (0x100 if durations else 0)
    samples = b"".join((d.to_bytes(4, "big") if durations else b"") +
                       o.to_bytes(4, "big", signed=True)
                       for d, o in zip(durations or [0, 0, 0], offsets, strict=True))
    trun = _full(b"trun", version, flags, (3).to_bytes(4, "big") + (0).to_bytes(4, "big") +
                 (0x02000000).to_bytes(4, "big") + samples)
    traf = _box(b"traf", tfhd + _full(b"tfdt", 1, 0, (1000).to_bytes(8, "big")) + trun)
    moof = _box(b"moof", _full(b"mfhd", 0, 0, (1).to_bytes(4, "big")) + traf)
    return moof + _box(b"mdat", bytes(30))


@pytest.mark.parametrize(("durations", "tfhd", "lasts"), [
    pytest.param([10, 20, 30], 40, 0.06, id="trun-sample-durations"),
    pytest.param(None, 40, 0.12, id="tfhd-default"),
    pytest.param(None, None, 0.15, id="trex-default"),
])
def test_sample_durations_come_from_trun_then_tfhd_then_trex(durations, tfhd, lasts):
    data = _fragment(durations, [0, 0, 0], tfhd)
    tracks = {1: Track(1, "vide", 1000, default_duration=50)}
    found = fmp4_probe.probe(lambda o, n: data[o:o + n], len(data), data, tracks)
    assert found.duration == pytest.approx(lasts)


def test_negative_composition_offsets_give_the_earliest_presentation():
    """A version 1 trun: decode times 1000, 1010, 1030 and offsets -20, +10, -10 present at
    980, 1020, 1020: the fragment starts at 0.98 s."""
    data = _fragment([10, 20, 30], [-20, 10, -10], None)
    tracks = {1: Track(1, "vide", 1000)}
    found = fmp4_probe.probe(lambda o, n: data[o:o + n], len(data), data, tracks)
    assert (found.start, found.duration) == (pytest.approx(0.98), pytest.approx(0.06))


@pytest.mark.parametrize("n", range(3))
def test_ts_and_fmp4_starts_share_the_presentation_basis(n: int):
    """The same encode in both containers: the TS's PTS run 1.4 s (ffmpeg's muxing offset)
    ahead of the fMP4's tfdt plus composition offset, and no more."""
    ts_start = probe_file(f"ts-h264/v/seg{n}.ts").start
    fmp4_start = probe_file(f"fmp4-h264/v/seg{n}.m4s").start
    assert ts_start is not None and fmp4_start is not None
    assert ts_start - 1.4 == pytest.approx(fmp4_start, abs=1e-6)
