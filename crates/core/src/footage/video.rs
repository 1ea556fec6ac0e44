//! Video files through FFmpeg (the system's libavformat/libavcodec, via `ffmpeg-next`): frames in
//! presentation order as upright 8-bit RGB, each with its presentation timestamp, plus exact seeking
//! for random access. Damage never panics: what can be decoded is, and the rest becomes a warning.

use std::path::{Path, PathBuf};
use std::sync::Once;

use ffmpeg::format::Pixel;
use ffmpeg::software::scaling;
use ffmpeg::{Discard, Rational, Rescale, codec, decoder, media};
use ffmpeg_next as ffmpeg;
use image::RgbImage;
use image::imageops;

use super::{FootageError, Frame, MediaInfo, MediaKind};

/// Consecutive unreadable packets after which the rest of a file is taken as lost: a demuxer that
/// keeps failing to resynchronise would otherwise spin through garbage to the end.
const MAX_CONSECUTIVE_READ_ERRORS: u32 = 64;
/// `avformat_seek_file` and friends speak microseconds when no stream is named.
const MICROSECONDS: Rational = Rational(1, 1_000_000);

/// Where every frame of the video stream sits, in presentation order, found by reading the packets
/// once without decoding them (fast: no pixels are touched).
#[derive(Debug, Clone, Default)]
struct FrameTable {
    /// Presentation timestamps in the stream's time base, ascending.
    pts: Vec<i64>,
    /// Whether each frame (same order) is a keyframe.
    keyframe: Vec<bool>,
}

impl FrameTable {
    fn index_of(&self, pts: i64) -> Option<u64> {
        self.pts.binary_search(&pts).ok().map(|i| i as u64)
    }
}

/// An open video file: a demuxer, a decoder for its main video stream, and a converter to RGB.
pub struct VideoReader {
    path: PathBuf,
    input: ffmpeg::format::context::Input,
    stream_index: usize,
    decoder: decoder::Video,
    time_base: Rational,
    start_pts: i64,
    rotation_degrees: u32,
    info: MediaInfo,
    scaler: Option<scaling::Context>,
    /// The converter's output, kept between frames: allocating 6 MB a frame at 1080p costs more
    /// than the conversion itself.
    rgb: ffmpeg::frame::Video,
    /// Index the next frame that comes out of the decoder will have.
    next_index: u64,
    keyframes_only: bool,
    draining: bool,
    finished: bool,
    table: Option<FrameTable>,
    frames_with_errors: u64,
    packets_rejected: u64,
    damage: Option<String>,
    /// Frames that came out of the decoder since opening, and whether a seek broke that sequence.
    frames_decoded: u64,
    seeked: bool,
}

/// Sets FFmpeg up once per process. Its own log is silenced: lineup reports every problem itself,
/// naming the file, instead of FFmpeg's per-macroblock chatter on a damaged clip.
fn init_ffmpeg() {
    static INIT: Once = Once::new();
    INIT.call_once(|| {
        // Only fails on FFmpeg builds without networking support; nothing lineup needs.
        let _ = ffmpeg::init();
        ffmpeg::log::set_level(ffmpeg::log::Level::Quiet);
    });
}

impl VideoReader {
    /// Opens `path` and its best video stream, with multi-threaded decoding.
    pub fn open(path: &Path) -> Result<Self, FootageError> {
        check_readable(path)?;
        init_ffmpeg();
        let input = open_file(path).map_err(|e| FootageError::NotAVideo {
            path: path.to_path_buf(),
            reason: e.to_string(),
        })?;
        let stream = input.streams().best(media::Type::Video).ok_or_else(|| {
            FootageError::NoVideoStream {
                path: path.to_path_buf(),
                streams: describe_streams(&input),
            }
        })?;
        let stream_index = stream.index();
        let time_base = stream.time_base();
        let start_pts = Some(stream.start_time())
            .filter(|&t| t != ffmpeg::ffi::AV_NOPTS_VALUE)
            .unwrap_or(0);
        let rotation_degrees = stream_rotation(&stream);
        let parameters = stream.parameters();
        let codec_id = parameters.id();
        if decoder::find(codec_id).is_none() {
            return Err(FootageError::UnsupportedCodec {
                path: path.to_path_buf(),
                codec: codec_label(&parameters),
            });
        }
        let decoder = open_decoder(parameters).map_err(|e| FootageError::VideoDamaged {
            path: path.to_path_buf(),
            reason: format!("the {} decoder refused the stream: {e}", codec_id.name()),
        })?;
        let info = media_info(&input, &stream, &decoder, rotation_degrees);
        // The same pixel budget as stills: a header claiming absurd dimensions is refused before
        // a frame buffer of that size is ever asked for.
        if u64::from(info.width) * u64::from(info.height) > super::MAX_PIXELS {
            return Err(FootageError::TooLarge {
                path: path.to_path_buf(),
                width: info.width,
                height: info.height,
                video: true,
            });
        }
        Ok(Self {
            path: path.to_path_buf(),
            input,
            stream_index,
            decoder,
            time_base,
            start_pts,
            rotation_degrees,
            info,
            scaler: None,
            rgb: ffmpeg::frame::Video::empty(),
            next_index: 0,
            keyframes_only: false,
            draining: false,
            finished: false,
            table: None,
            frames_with_errors: 0,
            packets_rejected: 0,
            damage: None,
            frames_decoded: 0,
            seeked: false,
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn info(&self) -> &MediaInfo {
        &self.info
    }

    /// Decodes only keyframes from now on (or every frame again). Non-key packets are not even sent
    /// to the decoder, so keyframe sampling is many times faster than decoding everything.
    pub(crate) fn set_keyframes_only(&mut self, keyframes_only: bool) -> Result<(), FootageError> {
        if keyframes_only {
            // Keyframes' indices come from the frame table: packets skipped are not counted.
            self.frame_table()?;
        }
        self.keyframes_only = keyframes_only;
        self.decoder.skip_frame(if keyframes_only {
            Discard::NonKey
        } else {
            Discard::Default
        });
        Ok(())
    }

    /// The next frame in presentation order, or `None` at the end (or after damage that stops
    /// decoding; see [`VideoReader::warnings`]).
    pub fn next_frame(&mut self) -> Result<Option<Frame>, FootageError> {
        self.next_frame_where(|_, _| true)
    }

    /// The next frame that `wanted(index, timestamp_s)` accepts. Frames it declines are decoded
    /// (the codec needs them) but never converted to RGB, which is most of the cost of a frame.
    pub fn next_frame_where(
        &mut self,
        mut wanted: impl FnMut(u64, f64) -> bool,
    ) -> Result<Option<Frame>, FootageError> {
        let mut raw = ffmpeg::frame::Video::empty();
        while self.next_decoded(&mut raw)? {
            let (index, timestamp_s) = self.place_of(&raw);
            self.next_index = index + 1;
            if wanted(index, timestamp_s) {
                return Ok(Some(self.frame_of(&raw, index, timestamp_s)?));
            }
        }
        Ok(None)
    }

    /// The number of frames in the video, counted exactly from its packets (the container's own
    /// count is missing from some formats and wrong in damaged files).
    pub fn count_frames(&mut self) -> Result<u64, FootageError> {
        Ok(self.frame_table()?.pts.len() as u64)
    }

    /// The number of keyframes in the video, counted from its packets.
    pub(crate) fn count_keyframes(&mut self) -> Result<u64, FootageError> {
        Ok(self.frame_table()?.keyframe.iter().filter(|&&k| k).count() as u64)
    }

    /// Decodes exactly frame `index` (counting from 0 in presentation order): seeks to the keyframe
    /// before it and decodes forward, so the pixels equal those of a sequential decode.
    pub fn seek_to_frame(&mut self, index: u64) -> Result<Frame, FootageError> {
        let table = self.frame_table()?;
        let (target, frames) = (
            table.pts.get(index as usize).copied(),
            table.pts.len() as u64,
        );
        let Some(target_pts) = target else {
            return Err(FootageError::FrameOutOfRange {
                path: self.path.clone(),
                index,
                frames,
            });
        };
        self.seek_to_pts(target_pts)?;
        if let Some(frame) = self.next_frame_at_or_after(target_pts)? {
            return Ok(frame);
        }
        Err(FootageError::VideoDamaged {
            path: self.path.clone(),
            reason: format!("frame {index} is listed in the file but could not be decoded"),
        })
    }

    /// Decodes exactly the frame on screen at `seconds` from the start: the last frame whose
    /// timestamp is at or before it (the first frame for times before the start).
    pub fn seek_to_time(&mut self, seconds: f64) -> Result<Frame, FootageError> {
        let target = self.pts_from_seconds(seconds);
        let table = self.frame_table()?;
        let after = table.pts.partition_point(|&pts| pts <= target);
        self.seek_to_frame(after.saturating_sub(1) as u64)
    }

    /// A small copy of frame `index`, at most `max_side` pixels on its long side.
    pub fn thumbnail(&mut self, index: u64, max_side: u32) -> Result<RgbImage, FootageError> {
        let frame = self.seek_to_frame(index)?;
        Ok(shrink_to_fit(&frame.image, max_side))
    }

    /// What went wrong while decoding so far, each message naming the file.
    pub fn warnings(&self) -> Vec<String> {
        let path = self.path.display();
        let mut warnings = Vec::new();
        if let Some(damage) = &self.damage {
            warnings.push(format!("{path}: {damage}"));
        }
        if let Some((decoded, listed)) = self.shortfall() {
            warnings.push(format!(
                "{path}: only {decoded} of the {listed} frames the file lists could be decoded; it \
                 is probably truncated or damaged, and no faces were looked for after frame {decoded}"
            ));
        }
        if self.packets_rejected > 0 {
            warnings.push(format!(
                "{path}: the decoder rejected {} damaged packet(s); the frames they carried are \
                 missing or partly grey",
                self.packets_rejected
            ));
        }
        if self.frames_with_errors > 0 {
            warnings.push(format!(
                "{path}: {} frame(s) decoded with errors (damaged data was concealed); faces in \
                 them may be missed or misplaced",
                self.frames_with_errors
            ));
        }
        warnings
    }

    /// True once damage has stopped the reading before the end of the file.
    pub(crate) fn is_damaged(&self) -> bool {
        self.damage.is_some() || self.shortfall().is_some()
    }

    /// (decoded, listed) when a read of every frame from the start ended short of the frame count
    /// the container declares: the usual sign of a file cut short whose index survived.
    fn shortfall(&self) -> Option<(u64, u64)> {
        let listed = self
            .info
            .frame_count
            .filter(|_| !self.info.frame_count_estimated)?;
        let read_all = self.finished && !self.seeked && !self.keyframes_only;
        (read_all && self.frames_decoded < listed).then_some((self.frames_decoded, listed))
    }

    /// Moves the demuxer to the last keyframe at or before `target_pts` and empties the decoder.
    fn seek_to_pts(&mut self, target_pts: i64) -> Result<(), FootageError> {
        self.seeked = true;
        let target_us = target_pts.rescale(self.time_base, MICROSECONDS);
        let seeked = self.input.seek(target_us, ..target_us);
        if seeked.is_err() {
            // Some files (an AVI without an index, a truncated mp4) cannot seek: read from the start.
            self.rewind()?;
        }
        self.restart_decoding();
        Ok(())
    }

    fn rewind(&mut self) -> Result<(), FootageError> {
        self.input
            .seek(i64::MIN, ..)
            .map_err(|e| FootageError::VideoDamaged {
                path: self.path.clone(),
                reason: format!("cannot go back to the start of the video: {e}"),
            })
    }

    fn restart_decoding(&mut self) {
        self.decoder.flush();
        self.draining = false;
        self.finished = false;
    }

    /// Decodes forward to the first frame at or after `target_pts`. If the seek landed past it (a
    /// keyframe index that rounds differently), it starts again from the beginning of the file.
    fn next_frame_at_or_after(&mut self, target_pts: i64) -> Result<Option<Frame>, FootageError> {
        let mut raw = ffmpeg::frame::Video::empty();
        let mut overshot_retry_done = false;
        while self.next_decoded(&mut raw)? {
            let pts = raw.timestamp().unwrap_or(i64::MIN);
            if pts > target_pts && !overshot_retry_done {
                overshot_retry_done = true;
                self.rewind()?;
                self.restart_decoding();
                continue;
            }
            if pts >= target_pts {
                let (index, timestamp_s) = self.place_of(&raw);
                self.next_index = index + 1;
                return Ok(Some(self.frame_of(&raw, index, timestamp_s)?));
            }
        }
        Ok(None)
    }

    /// The decoded frame delivered: converted to RGB, with its place in the video.
    fn frame_of(
        &mut self,
        raw: &ffmpeg::frame::Video,
        index: u64,
        timestamp_s: f64,
    ) -> Result<Frame, FootageError> {
        Ok(Frame {
            index,
            timestamp_s,
            image: self.convert_to_rgb(raw)?,
        })
    }

    /// The frame's index and timestamp. A frame's index comes from the frame table when there is
    /// one (after seeking, or for keyframes), else from counting frames decoded in order.
    fn place_of(&self, raw: &ffmpeg::frame::Video) -> (u64, f64) {
        let pts = raw.timestamp();
        let index = match (&self.table, pts) {
            (Some(table), Some(pts)) => table.index_of(pts).unwrap_or(self.next_index),
            _ => self.next_index,
        };
        let timestamp_s = match pts {
            Some(pts) => self.seconds_from_pts(pts),
            // No timestamp at all (raw streams): assume the nominal frame rate.
            None => index as f64 / self.info.frame_rate.filter(|&r| r > 0.0).unwrap_or(25.0),
        };
        (index, timestamp_s)
    }

    fn seconds_from_pts(&self, pts: i64) -> f64 {
        (pts - self.start_pts) as f64 * f64::from(self.time_base)
    }

    fn pts_from_seconds(&self, seconds: f64) -> i64 {
        let per_second = f64::from(self.time_base.invert());
        self.start_pts + (seconds * per_second).round() as i64
    }

    /// Feeds packets to the decoder until it gives a frame (true) or has no more (false). Read
    /// errors end the file with a damage note; rejected packets are counted and skipped.
    fn next_decoded(&mut self, raw: &mut ffmpeg::frame::Video) -> Result<bool, FootageError> {
        let mut read_errors = 0;
        while !self.finished {
            match self.decoder.receive_frame(raw) {
                Ok(()) => {
                    if raw.is_corrupt() || raw.has_decode_errors() {
                        self.frames_with_errors += 1;
                    }
                    self.frames_decoded += 1;
                    return Ok(true);
                }
                Err(ffmpeg::Error::Eof) => self.finished = true,
                Err(ffmpeg::Error::Other { errno }) if errno == ffmpeg::error::EAGAIN => {
                    if self.draining {
                        self.finished = true;
                    } else {
                        self.feed_one_packet(&mut read_errors);
                    }
                }
                // A frame the decoder could not finish; the next ones may be fine.
                Err(_) => self.frames_with_errors += 1,
            }
        }
        Ok(false)
    }

    /// Reads the next packet of our stream and sends it to the decoder; at the end of the file (or
    /// of what can be read of it) tells the decoder to give up its buffered frames.
    fn feed_one_packet(&mut self, read_errors: &mut u32) {
        let mut packet = ffmpeg::Packet::empty();
        match packet.read(&mut self.input) {
            Ok(()) => {
                *read_errors = 0;
                if packet.stream() != self.stream_index || (self.keyframes_only && !packet.is_key())
                {
                    return;
                }
                if let Err(e) = self.decoder.send_packet(&packet) {
                    if e != ffmpeg::Error::InvalidData {
                        self.note_damage(format!("the decoder failed ({e})"));
                        self.start_draining();
                        return;
                    }
                    self.packets_rejected += 1;
                }
            }
            Err(ffmpeg::Error::Eof) => self.start_draining(),
            Err(ffmpeg::Error::InvalidData) if *read_errors < MAX_CONSECUTIVE_READ_ERRORS => {
                *read_errors += 1;
            }
            Err(e) => {
                self.note_damage(format!("reading stopped ({e})"));
                self.start_draining();
            }
        }
    }

    fn start_draining(&mut self) {
        self.draining = true;
        // Fails only when already draining, which cannot happen here.
        let _ = self.decoder.send_eof();
    }

    fn note_damage(&mut self, what: String) {
        let at = self.next_index;
        self.damage = Some(format!(
            "the video is damaged after frame {at}: {what}; only the frames before it were analysed"
        ));
    }

    /// Converts a decoded frame of any pixel format to upright 8-bit RGB at full size.
    fn convert_to_rgb(&mut self, raw: &ffmpeg::frame::Video) -> Result<RgbImage, FootageError> {
        let (width, height, format) = (raw.width(), raw.height(), raw.format());
        let fits = self.scaler.as_ref().is_some_and(|s| {
            let input = s.input();
            (input.format, input.width, input.height) == (format, width, height)
        });
        if !fits {
            let scaler = scaling::Context::get(
                format,
                width,
                height,
                Pixel::RGB24,
                width,
                height,
                scaling::Flags::BILINEAR,
            )
            .map_err(|e| self.conversion_failed(format, e))?;
            self.scaler = Some(scaler);
            self.rgb = ffmpeg::frame::Video::empty();
        }
        let scaler = self.scaler.as_mut().expect("scaler was just made");
        if let Err(e) = scaler.run(raw, &mut self.rgb) {
            return Err(self.conversion_failed(format, e));
        }
        let image = packed_rgb(&self.rgb);
        Ok(rotate_clockwise(image, self.rotation_degrees))
    }

    fn conversion_failed(&self, format: Pixel, error: ffmpeg::Error) -> FootageError {
        FootageError::VideoDamaged {
            path: self.path.clone(),
            reason: format!("cannot convert its {format:?} pixels to RGB: {error}"),
        }
    }

    fn frame_table(&mut self) -> Result<&FrameTable, FootageError> {
        if self.table.is_none() {
            self.table = Some(scan_frames(&self.path, self.stream_index)?);
        }
        Ok(self.table.as_ref().expect("table was just built"))
    }
}

/// Reads every packet of the video stream (no decoding) through a second demuxer, so the reader's
/// own position is untouched.
fn scan_frames(path: &Path, stream_index: usize) -> Result<FrameTable, FootageError> {
    let mut input = open_file(path).map_err(|e| FootageError::NotAVideo {
        path: path.to_path_buf(),
        reason: e.to_string(),
    })?;
    let mut frames: Vec<(i64, bool)> = Vec::new();
    let mut read_errors = 0;
    loop {
        // A new packet each time: `Packet::read` (av_read_frame) does not let go of what the
        // packet held, so one packet read into again kept every packet of the video, the
        // whole file's size per count (per thumbnail in the app).
        let mut packet = ffmpeg::Packet::empty();
        match packet.read(&mut input) {
            Ok(()) => {
                read_errors = 0;
                let pts = packet.pts().or(packet.dts());
                if let (true, Some(pts)) = (packet.stream() == stream_index, pts) {
                    frames.push((pts, packet.is_key()));
                }
            }
            Err(ffmpeg::Error::InvalidData) if read_errors < MAX_CONSECUTIVE_READ_ERRORS => {
                read_errors += 1;
            }
            Err(_) => break,
        }
    }
    frames.sort_unstable_by_key(|&(pts, _)| pts);
    frames.dedup_by_key(|&mut (pts, _)| pts);
    Ok(FrameTable {
        pts: frames.iter().map(|&(pts, _)| pts).collect(),
        keyframe: frames.iter().map(|&(_, key)| key).collect(),
    })
}

/// A missing or empty file gets the same plain error as a still, before FFmpeg sees it.
/// Opens `path` with FFmpeg as a local file and nothing else. FFmpeg takes a name such as
/// `http:host:9.mp4` for a web address and would connect to it, so the path is made absolute and
/// handed over as `file:…`, and only the `file` protocol is allowed (a playlist inside it cannot
/// reach the network either).
fn open_file(path: &Path) -> Result<ffmpeg::format::context::Input, ffmpeg::Error> {
    let absolute = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    let mut url = std::ffi::OsString::from("file:");
    url.push(absolute.as_os_str());
    let mut options = ffmpeg::Dictionary::new();
    options.set("protocol_whitelist", "file");
    ffmpeg::format::input_with_dictionary(Path::new(&url), options)
}

fn check_readable(path: &Path) -> Result<(), FootageError> {
    let metadata = std::fs::metadata(path).map_err(|e| FootageError::from_io(path, &e))?;
    if metadata.len() == 0 {
        return Err(FootageError::Empty {
            path: path.to_path_buf(),
        });
    }
    Ok(())
}

/// A decoder for `parameters` with frame threading on: without it FFmpeg decodes on one core.
fn open_decoder(parameters: codec::Parameters) -> Result<decoder::Video, ffmpeg::Error> {
    let mut context = codec::context::Context::from_parameters(parameters)?;
    context.set_threading(ffmpeg::threading::Config {
        kind: ffmpeg::threading::Type::Frame,
        count: 0, // as many threads as cores
        ..Default::default()
    });
    context.decoder().video()
}

/// The codec's name, or its four-character tag when FFmpeg does not know the codec at all.
fn codec_label(parameters: &codec::Parameters) -> String {
    let id = parameters.id();
    if id != codec::Id::None {
        return id.name().to_string();
    }
    // SAFETY: `parameters` wraps a valid AVCodecParameters for as long as it lives.
    let tag = unsafe { (*parameters.as_ptr()).codec_tag };
    let fourcc: String = tag
        .to_le_bytes()
        .iter()
        .map(|&b| if b.is_ascii_graphic() { b as char } else { '?' })
        .collect();
    format!("unknown (tag \"{fourcc}\")")
}

/// "audio (aac), subtitle (mov_text)": what a file without video holds, for the error message.
fn describe_streams(input: &ffmpeg::format::context::Input) -> String {
    let streams: Vec<String> = input
        .streams()
        .map(|s| {
            let parameters = s.parameters();
            format!("{:?} ({})", parameters.medium(), parameters.id().name()).to_lowercase()
        })
        .collect();
    if streams.is_empty() {
        "no streams at all".into()
    } else {
        streams.join(", ")
    }
}

fn media_info(
    input: &ffmpeg::format::context::Input,
    stream: &ffmpeg::Stream,
    decoder: &decoder::Video,
    rotation_degrees: u32,
) -> MediaInfo {
    let (coded_width, coded_height) = (decoder.width(), decoder.height());
    let (width, height) = if rotation_degrees % 180 == 90 {
        (coded_height, coded_width)
    } else {
        (coded_width, coded_height)
    };
    let frame_rate = Some(stream.avg_frame_rate())
        .filter(|r| r.numerator() > 0 && r.denominator() > 0)
        .or_else(|| Some(stream.rate()).filter(|r| r.numerator() > 0 && r.denominator() > 0))
        .map(f64::from);
    let duration_s = stream_duration(input, stream);
    let declared = u64::try_from(stream.frames()).ok().filter(|&n| n > 0);
    let frame_count = declared.or_else(|| {
        let (duration, rate) = (duration_s?, frame_rate?);
        Some((duration * rate).round() as u64)
    });
    MediaInfo {
        kind: MediaKind::Video,
        container: Some(input.format().name().to_string()),
        codec: Some(stream.parameters().id().name().to_string()),
        width,
        height,
        rotation_degrees,
        duration_s,
        frame_count,
        frame_count_estimated: declared.is_none() && frame_count.is_some(),
        frame_rate,
    }
}

/// The stream's duration, else the container's (Matroska and WebM only give the latter).
fn stream_duration(input: &ffmpeg::format::context::Input, stream: &ffmpeg::Stream) -> Option<f64> {
    let stream_duration = stream.duration();
    if stream_duration > 0 && stream_duration != ffmpeg::ffi::AV_NOPTS_VALUE {
        return Some(stream_duration as f64 * f64::from(stream.time_base()));
    }
    let container_duration = input.duration();
    (container_duration > 0 && container_duration != ffmpeg::ffi::AV_NOPTS_VALUE)
        .then(|| container_duration as f64 / f64::from(ffmpeg::ffi::AV_TIME_BASE))
}

/// Clockwise degrees (0, 90, 180, 270) to turn stored pixels to display them upright, from the
/// stream's display matrix, else its legacy "rotate" tag.
fn stream_rotation(stream: &ffmpeg::Stream) -> u32 {
    let from_matrix = stream
        .side_data()
        .find(|d| d.kind() == ffmpeg::packet::side_data::Type::DisplayMatrix)
        .and_then(|d| display_matrix_rotation(d.data()));
    let from_tag = || {
        stream
            .metadata()
            .get("rotate")
            .and_then(|v| v.trim().parse::<f64>().ok())
    };
    match (from_matrix, from_tag()) {
        (Some(counter_clockwise), _) => quarter_turns_clockwise(-counter_clockwise),
        (None, Some(clockwise)) => quarter_turns_clockwise(clockwise),
        (None, None) => 0,
    }
}

/// The counter-clockwise rotation in degrees that a 3×3 display matrix (9 × i32, 16.16 fixed
/// point, as in FFmpeg's `av_display_rotation_get`) applies; `None` if it is malformed.
pub(crate) fn display_matrix_rotation(bytes: &[u8]) -> Option<f64> {
    if bytes.len() < 36 {
        return None;
    }
    let entry = |i: usize| {
        let raw = i32::from_le_bytes(bytes[i * 4..i * 4 + 4].try_into().unwrap_or([0; 4]));
        f64::from(raw) / 65536.0
    };
    let scale_x = entry(0).hypot(entry(3));
    let scale_y = entry(1).hypot(entry(4));
    if scale_x == 0.0 || scale_y == 0.0 {
        return None;
    }
    let rotation = (entry(1) / scale_y).atan2(entry(0) / scale_x).to_degrees();
    Some(-rotation)
}

/// `degrees` rounded to the nearest quarter turn, as 0, 90, 180 or 270.
fn quarter_turns_clockwise(degrees: f64) -> u32 {
    let quarters = (degrees / 90.0).round() as i64;
    (quarters.rem_euclid(4) * 90) as u32
}

pub(crate) fn rotate_clockwise(image: RgbImage, degrees: u32) -> RgbImage {
    match degrees {
        90 => imageops::rotate90(&image),
        180 => imageops::rotate180(&image),
        270 => imageops::rotate270(&image),
        _ => image,
    }
}

/// The RGB24 frame's pixels without the row padding FFmpeg adds.
fn packed_rgb(rgb: &ffmpeg::frame::Video) -> RgbImage {
    let (width, height) = (rgb.width(), rgb.height());
    let row_bytes = width as usize * 3;
    let stride = rgb.stride(0);
    let data = rgb.data(0);
    let mut pixels = Vec::with_capacity(row_bytes * height as usize);
    for row in 0..height as usize {
        pixels.extend_from_slice(&data[row * stride..row * stride + row_bytes]);
    }
    RgbImage::from_raw(width, height, pixels).expect("buffer holds exactly width × height pixels")
}

/// `image` scaled down (never up) so its long side is at most `max_side`.
pub(crate) fn shrink_to_fit(image: &RgbImage, max_side: u32) -> RgbImage {
    let (width, height) = image.dimensions();
    let long_side = width.max(height);
    if long_side <= max_side {
        return image.clone();
    }
    let scale = f64::from(max_side) / f64::from(long_side);
    let new_width = ((f64::from(width) * scale).round() as u32).max(1);
    let new_height = ((f64::from(height) * scale).round() as u32).max(1);
    imageops::thumbnail(image, new_width, new_height)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn matrix(entries: [i32; 9]) -> Vec<u8> {
        entries.iter().flat_map(|e| e.to_le_bytes()).collect()
    }

    const ONE: i32 = 1 << 16;

    #[test]
    fn display_matrix_rotation_matches_ffmpeg() {
        // av_display_rotation_set(m, 90): [0, -1, 0; 1, 0, 0; 0, 0, 1] in 16.16 (w at 1<<30).
        let ninety = matrix([0, -ONE, 0, ONE, 0, 0, 0, 0, 1 << 30]);
        assert_eq!(display_matrix_rotation(&ninety).map(f64::round), Some(90.0));
        let identity = matrix([ONE, 0, 0, 0, ONE, 0, 0, 0, 1 << 30]);
        assert_eq!(
            display_matrix_rotation(&identity).map(f64::round),
            Some(0.0)
        );
        assert_eq!(display_matrix_rotation(&[0; 8]), None);
        assert_eq!(display_matrix_rotation(&matrix([0; 9])), None);
    }

    #[test]
    fn rotations_round_to_quarter_turns() {
        assert_eq!(quarter_turns_clockwise(-90.0), 270);
        assert_eq!(quarter_turns_clockwise(90.2), 90);
        assert_eq!(quarter_turns_clockwise(-180.0), 180);
        assert_eq!(quarter_turns_clockwise(360.0), 0);
    }

    #[test]
    fn rotating_a_wide_image_a_quarter_turn_makes_it_tall() {
        let image = RgbImage::new(4, 2);
        assert_eq!(rotate_clockwise(image.clone(), 90).dimensions(), (2, 4));
        assert_eq!(rotate_clockwise(image.clone(), 180).dimensions(), (4, 2));
        assert_eq!(rotate_clockwise(image, 0).dimensions(), (4, 2));
    }

    #[test]
    fn thumbnails_keep_the_aspect_and_never_grow() {
        assert_eq!(
            shrink_to_fit(&RgbImage::new(640, 480), 160).dimensions(),
            (160, 120)
        );
        assert_eq!(
            shrink_to_fit(&RgbImage::new(64, 48), 160).dimensions(),
            (64, 48)
        );
    }
}
