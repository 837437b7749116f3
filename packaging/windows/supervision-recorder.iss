; Inno Setup script for Supervision Recorder on Windows (Inno Setup 6.2 or newer).
; Build steps: packaging/windows/README.md. In short, from the repository root:
;   python -m PyInstaller --noconfirm --clean --distpath dist --workpath build packaging\supervision-app.spec
;   iscc /DAppVersion=0.1.0 packaging\windows\supervision-recorder.iss
; Output: dist\SupervisionRecorder-<version>-setup.exe
;
; Per-machine install into Program Files (installing needs an administrator once; running the
; app never does: it writes only to the user's own AppData and keyring). Silent install for
; software deployment tools (Intune, SCCM, PDQ):
;   SupervisionRecorder-0.1.0-setup.exe /VERYSILENT /SUPPRESSMSGBOXES /NORESTART /LOG="%TEMP%\sr-setup.log"
; Silent uninstall:
;   "%ProgramFiles%\Supervision Recorder\unins000.exe" /VERYSILENT /SUPPRESSMSGBOXES /NORESTART
;
; The organisation's sync server address, so that nobody has to type it at first run:
;   SupervisionRecorder-0.1.0-setup.exe /VERYSILENT /SERVER=https://supervision.example.gov.uk
; writes %ProgramData%\SupervisionRecorder\client.toml ([server] url = "..."), which the app reads
; (supervision_app/client_settings.py; the SUPERVISION_SERVER_URL environment variable wins
; over it). An interactive install asks for it on a page of its own (optional). Without
; /SERVER, an upgrade leaves an existing client.toml as it is.

#ifndef AppVersion
  #error Pass the version: iscc /DAppVersion=X.Y.Z supervision-recorder.iss (it is in pyproject.toml)
#endif
#define AppName "Supervision Recorder"
#define BundleDir "..\..\dist\supervision-app"
#define WindowedExe "Supervision Recorder.exe"
#define ConsoleExe "supervision-app.exe"

[Setup]
; AppId identifies the product for upgrades and uninstall: never change it.
AppId={{6F1C2B7A-4D3E-4A8B-9C51-2E7D0F3A9B64}
AppName={#AppName}
AppVersion={#AppVersion}
AppVerName={#AppName} {#AppVersion}
AppPublisher=Supervision Recorder project
VersionInfoVersion={#AppVersion}
DefaultDirName={autopf}\{#AppName}
DefaultGroupName={#AppName}
DisableProgramGroupPage=yes
PrivilegesRequired=admin
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
MinVersion=10.0.17763
OutputDir=..\..\dist
OutputBaseFilename=SupervisionRecorder-{#AppVersion}-setup
SetupIconFile=..\..\resources\icons\app-icon.ico
UninstallDisplayIcon={app}\{#WindowedExe}
UninstallDisplayName={#AppName} {#AppVersion}
Compression=lzma2/max
SolidCompression=yes
WizardStyle=modern
CloseApplications=yes
RestartApplications=no
ChangesEnvironment=no

[Languages]
Name: "english"; MessagesFile: "compiler:Default.isl"

[Files]
; The whole PyInstaller folder: both executables and _internal\ (Python, Qt, forms, resources).
Source: "{#BundleDir}\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs
Source: "..\..\resources\icons\app-icon.ico"; DestDir: "{app}"; Flags: ignoreversion
Source: "..\..\docs\INSTALL.md"; DestDir: "{app}"; Flags: ignoreversion skipifsourcedoesntexist
Source: "..\..\CHANGELOG.md"; DestDir: "{app}"; Flags: ignoreversion skipifsourcedoesntexist

[InstallDelete]
; An upgrade replaces the program folder's contents; user data lives elsewhere (AppData).
Type: filesandordirs; Name: "{app}\_internal"

[Icons]
Name: "{autoprograms}\{#AppName}"; Filename: "{app}\{#WindowedExe}"; IconFilename: "{app}\app-icon.ico"; Comment: "Record, sign and review case supervision"
Name: "{autodesktop}\{#AppName}"; Filename: "{app}\{#WindowedExe}"; IconFilename: "{app}\app-icon.ico"; Tasks: desktopicon

[Tasks]
Name: "desktopicon"; Description: "{cm:CreateDesktopIcon}"; GroupDescription: "{cm:AdditionalIcons}"; Flags: unchecked

[Run]
; Prove the installation works (throwaway profile and keyring, nothing of the user's touched).
Filename: "{app}\{#ConsoleExe}"; Parameters: "--self-test"; StatusMsg: "Checking the installation..."; Flags: runhidden waituntilterminated; Check: not WizardSilent
Filename: "{app}\{#WindowedExe}"; Description: "{cm:LaunchProgram,{#AppName}}"; Flags: nowait postinstall skipifsilent unchecked

[UninstallDelete]
Type: filesandordirs; Name: "{app}\_internal"
Type: files; Name: "{commonappdata}\SupervisionRecorder\client.toml"
Type: dirifempty; Name: "{commonappdata}\SupervisionRecorder"
; Profiles (the encrypted records) in each user's AppData and their keys in Windows Credential
; Manager are deliberately NOT removed: records must be kept and synced or archived first.

[Code]
var
  ServerPage: TInputQueryWizardPage;

{ The server address given as /SERVER=..., or typed on the wizard's page. }
function ServerAddress(): String;
begin
  if ServerPage <> nil then
    Result := Trim(ServerPage.Values[0])
  else
    Result := Trim(ExpandConstant('{param:SERVER|}'));
end;

procedure InitializeWizard();
begin
  ServerPage := CreateInputQueryPage(wpSelectDir,
    'Your organisation''s server',
    'Where Supervision Recorder sends and receives records',
    'Type the address of your organisation''s sync server (IT knows it), for example ' +
    'https://supervision.example.gov.uk. Everyone who uses this computer then finds it filled in. ' +
    'Leave it empty to keep the address set before, or to let each person type it.');
  ServerPage.Add('Server &address:', False);
  ServerPage.Values[0] := ExpandConstant('{param:SERVER|}');
end;

{ TOML basic string: backslash and double quote escaped. }
function TomlString(Value: String): String;
begin
  StringChangeEx(Value, '\', '\\', True);
  StringChangeEx(Value, '"', '\"', True);
  Result := '"' + Value + '"';
end;

procedure CurStepChanged(CurStep: TSetupStep);
var
  Url, Folder: String;
begin
  if CurStep = ssPostInstall then
  begin
    Url := ServerAddress();
    if Url <> '' then
    begin
      Folder := ExpandConstant('{commonappdata}\SupervisionRecorder');
      ForceDirectories(Folder);
      if not SaveStringToFile(Folder + '\client.toml',
          '# Written by the Supervision Recorder installer (/SERVER=...).' + #13#10 +
          '[server]' + #13#10 + 'url = ' + TomlString(Url) + #13#10, False) then
        Log('Could not write ' + Folder + '\client.toml');
    end;
  end;
end;
